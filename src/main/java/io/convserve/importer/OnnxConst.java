package io.convserve.importer;

/** An ONNX constant: float values or integer values (exactly one of the two), with its shape, row-major. */
record OnnxConst(long[] dims, float[] floats, long[] ints) {

    static OnnxConst ints(long... v) {
        return new OnnxConst(new long[] {v.length}, null, v);
    }

    boolean isFloat() {
        return floats != null;
    }

    int size() {
        return floats != null ? floats.length : ints.length;
    }

    double get(int i) {
        return floats != null ? floats[i] : ints[i];
    }

    /** Same values, another shape (a reshape keeps row-major order). */
    OnnxConst withDims(long[] newDims) {
        return new OnnxConst(newDims, floats, ints);
    }

    FloatArray array() {
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = (int) dims[i];
        }
        return new FloatArray(shape, floats != null ? floats : toFloats(ints));
    }

    long[] longs() {
        if (ints != null) {
            return ints;
        }
        long[] out = new long[floats.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) floats[i];
        }
        return out;
    }

    private static float[] toFloats(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return f;
    }
}
