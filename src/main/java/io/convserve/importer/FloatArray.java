package io.convserve.importer;

import java.util.Arrays;

/**
 * A dense float32 array in row-major order with its shape: a weight on its way from a framework's layout to ours.
 * Immutable by convention (no method changes {@code data} in place).
 */
public record FloatArray(int[] shape, float[] data) {

    public FloatArray {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got "
                    + data.length);
        }
    }

    public int rank() {
        return shape.length;
    }

    public FloatArray reshape(int... newShape) {
        return new FloatArray(newShape.clone(), data);
    }

    /** Axes permuted like numpy's {@code transpose(perm)}: output axis i is input axis {@code perm[i]}. */
    public FloatArray transpose(int... perm) {
        int rank = shape.length;
        if (perm.length != rank) {
            throw new IllegalArgumentException("permutation " + Arrays.toString(perm) + " for shape "
                    + Arrays.toString(shape));
        }
        int[] outShape = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
        }
        int[] inStrides = strides(shape);
        int[] stepOut = new int[rank]; // input stride of each output axis
        for (int i = 0; i < rank; i++) {
            stepOut[i] = inStrides[perm[i]];
        }
        float[] out = new float[data.length];
        int[] index = new int[rank];
        for (int o = 0; o < out.length; o++) {
            int src = 0;
            for (int i = 0; i < rank; i++) {
                src += index[i] * stepOut[i];
            }
            out[o] = data[src];
            for (int i = rank - 1; i >= 0; i--) {
                if (++index[i] < outShape[i]) {
                    break;
                }
                index[i] = 0;
            }
        }
        return new FloatArray(outShape, out);
    }

    public FloatArray scale(double factor) {
        if (factor == 1.0) {
            return this;
        }
        float[] out = new float[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (data[i] * factor);
        }
        return new FloatArray(shape, out);
    }

    public static FloatArray filled(int n, float value) {
        float[] d = new float[n];
        Arrays.fill(d, value);
        return new FloatArray(new int[] {n}, d);
    }

    private static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    @Override
    public String toString() {
        return "FloatArray" + Arrays.toString(shape);
    }
}
