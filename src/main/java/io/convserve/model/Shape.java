package io.convserve.model;

import java.util.Arrays;

/**
 * The shape of one example, without the batch dimension: {@code [C, H, W]} for feature maps,
 * {@code [N]} for flat feature vectors.
 */
public record Shape(int... dims) {

    public Shape {
        dims = dims.clone();
    }

    public static Shape chw(int channels, int height, int width) {
        return new Shape(channels, height, width);
    }

    public static Shape flat(long features) {
        return new Shape(Math.toIntExact(features));
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        return dims[i];
    }

    public int channels() {
        return dims[0];
    }

    public int height() {
        return dims[1];
    }

    public int width() {
        return dims[2];
    }

    public boolean isImage() {
        return dims.length == 3;
    }

    /** Number of elements of one example. */
    public long elements() {
        long n = 1;
        for (int d : dims) {
            n = Math.multiplyExact(n, (long) d);
        }
        return n;
    }

    /** The shape with a leading batch dimension, as ND4J wants it. */
    public long[] withBatch(long batch) {
        long[] out = new long[dims.length + 1];
        out[0] = batch;
        for (int i = 0; i < dims.length; i++) {
            out[i + 1] = dims[i];
        }
        return out;
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
