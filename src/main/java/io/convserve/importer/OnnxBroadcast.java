package io.convserve.importer;

import java.util.Arrays;

/** Numpy-style arithmetic and indexing on constants, for {@link OnnxFolding}: broadcasting, transpose, gather, concat, slice. */
final class OnnxBroadcast {

    private OnnxBroadcast() {
    }

    /** Element-wise Add/Sub/Mul/Div with numpy's broadcasting; integers stay integers (Div floors, as on shapes). */
    static OnnxConst apply(String op, OnnxConst a, OnnxConst b, String where) {
        int rank = Math.max(a.dims().length, b.dims().length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long x = dim(a.dims(), i, rank);
            long y = dim(b.dims(), i, rank);
            if (x != y && x != 1 && y != 1) {
                throw new ImportException(where + ": shapes " + Arrays.toString(a.dims()) + " and "
                        + Arrays.toString(b.dims()) + " do not broadcast");
            }
            out[i] = Math.max(x, y);
        }
        int size = (int) Arrays.stream(out).reduce(1, (p, q) -> p * q);
        boolean floats = a.isFloat() || b.isFloat();
        float[] f = floats ? new float[size] : null;
        long[] l = floats ? null : new long[size];
        int[] index = new int[rank];
        for (int k = 0; k < size; k++) {
            int ia = offset(a.dims(), index, rank);
            int ib = offset(b.dims(), index, rank);
            if (floats) {
                double u = a.get(ia);
                double v = b.get(ib);
                f[k] = (float) switch (op) {
                    case "Add" -> u + v;
                    case "Sub" -> u - v;
                    case "Mul" -> u * v;
                    default -> u / v;
                };
            } else {
                long u = a.ints()[ia];
                long v = b.ints()[ib];
                l[k] = switch (op) {
                    case "Add" -> u + v;
                    case "Sub" -> u - v;
                    case "Mul" -> u * v;
                    default -> Math.floorDiv(u, v);
                };
            }
            increment(index, out);
        }
        return new OnnxConst(out, f, l);
    }

    /** Numpy's {@code transpose(perm)}; no perm reverses the axes. */
    static OnnxConst transpose(OnnxConst x, long[] perm) {
        int rank = x.dims().length;
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = perm.length == 0 ? rank - 1 - i : (int) perm[i];
        }
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = x.dims()[p[i]];
        }
        long[] strides = strides(x.dims());
        return gatherBy(x, out, index -> {
            long off = 0;
            for (int i = 0; i < rank; i++) {
                off += index[i] * strides[p[i]];
            }
            return (int) off;
        });
    }

    static OnnxConst gather(OnnxConst x, OnnxConst indices, int axisAttr, String where) {
        int rank = x.dims().length;
        int axis = OnnxFolding.axis(axisAttr, rank);
        long[] idx = indices.longs();
        long n = x.dims()[axis];
        long[] out = new long[rank - 1 + indices.dims().length];
        int o = 0;
        for (int i = 0; i < axis; i++) {
            out[o++] = x.dims()[i];
        }
        for (long d : indices.dims()) {
            out[o++] = d;
        }
        for (int i = axis + 1; i < rank; i++) {
            out[o++] = x.dims()[i];
        }
        for (long v : idx) {
            if (v < -n || v >= n) {
                throw new ImportException(where + ": index " + v + " is outside axis " + axis + " of size " + n);
            }
        }
        long[] strides = strides(x.dims());
        int ir = indices.dims().length;
        return gatherBy(x, out, index -> {
            long off = 0;
            for (int i = 0; i < axis; i++) {
                off += index[i] * strides[i];
            }
            long flat = 0;
            long[] istrides = strides(indices.dims());
            for (int i = 0; i < ir; i++) {
                flat += index[axis + i] * istrides[i];
            }
            long v = idx[(int) flat];
            off += (v < 0 ? v + n : v) * strides[axis];
            for (int i = axis + 1; i < rank; i++) {
                off += index[i - 1 + ir] * strides[i];
            }
            return (int) off;
        });
    }

    static OnnxConst concat(OnnxConst a, OnnxConst b, long axisAttr, String where) {
        int rank = a.dims().length;
        int axis = OnnxFolding.axis(axisAttr, rank);
        if (b.dims().length != rank) {
            throw new ImportException(where + ": cannot concatenate shapes " + Arrays.toString(a.dims()) + " and "
                    + Arrays.toString(b.dims()));
        }
        long[] out = a.dims().clone();
        out[axis] += b.dims()[axis];
        boolean floats = a.isFloat() || b.isFloat();
        OnnxConst fa = floats && !a.isFloat() ? new OnnxConst(a.dims(), a.array().data(), null) : a;
        OnnxConst fb = floats && !b.isFloat() ? new OnnxConst(b.dims(), b.array().data(), null) : b;
        long[] sa = strides(a.dims());
        long[] sb = strides(b.dims());
        long split = a.dims()[axis];
        int size = (int) Arrays.stream(out).reduce(1, (p, q) -> p * q);
        float[] f = floats ? new float[size] : null;
        long[] l = floats ? null : new long[size];
        int[] index = new int[rank];
        for (int k = 0; k < size; k++) {
            boolean first = index[axis] < split;
            long off = 0;
            for (int i = 0; i < rank; i++) {
                long v = i == axis && !first ? index[i] - split : index[i];
                off += v * (first ? sa[i] : sb[i]);
            }
            OnnxConst src = first ? fa : fb;
            if (floats) {
                f[k] = src.floats()[(int) off];
            } else {
                l[k] = src.ints()[(int) off];
            }
            increment(index, out);
        }
        return new OnnxConst(out, f, l);
    }

    /** ONNX Slice: {@code args} are starts, ends, axes (null: the first ones) and steps (null: 1). */
    static OnnxConst slice(OnnxConst x, long[][] args, String where) {
        int rank = x.dims().length;
        long[] start = new long[rank];
        long[] step = new long[rank];
        long[] out = x.dims().clone();
        Arrays.fill(step, 1);
        long[] starts = args[0];
        long[] ends = args[1];
        for (int k = 0; k < starts.length; k++) {
            int axis = OnnxFolding.axis(args[2] == null ? k : args[2][k], rank);
            long n = x.dims()[axis];
            long s = args[3] == null ? 1 : args[3][k];
            if (s == 0) {
                throw new ImportException(where + ": Slice step 0");
            }
            long b = clamp(starts[k] < 0 ? starts[k] + n : starts[k], s > 0 ? 0 : -1, s > 0 ? n : n - 1);
            long e = clamp(ends[k] < 0 ? ends[k] + n : ends[k], s > 0 ? 0 : -1, s > 0 ? n : n - 1);
            start[axis] = b;
            step[axis] = s;
            out[axis] = Math.max(0, s > 0 ? (e - b + s - 1) / s : (b - e - s - 1) / -s);
        }
        long[] strides = strides(x.dims());
        return gatherBy(x, out, index -> {
            long off = 0;
            for (int i = 0; i < rank; i++) {
                off += (start[i] + index[i] * step[i]) * strides[i];
            }
            return (int) off;
        });
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** A constant of shape {@code out} whose element at each index is {@code x}'s at {@code source(index)}. */
    private static OnnxConst gatherBy(OnnxConst x, long[] out, java.util.function.ToIntFunction<int[]> source) {
        int size = (int) Arrays.stream(out).reduce(1, (p, q) -> p * q);
        float[] f = x.isFloat() ? new float[size] : null;
        long[] l = x.isFloat() ? null : new long[size];
        int[] index = new int[out.length];
        for (int k = 0; k < size; k++) {
            int from = source.applyAsInt(index);
            if (f != null) {
                f[k] = x.floats()[from];
            } else {
                l[k] = x.ints()[from];
            }
            increment(index, out);
        }
        return new OnnxConst(out, f, l);
    }

    private static long dim(long[] dims, int i, int rank) {
        int j = i - (rank - dims.length);
        return j < 0 ? 1 : dims[j];
    }

    /** Row-major offset in {@code dims} of a broadcast index of rank {@code rank}. */
    private static int offset(long[] dims, int[] index, int rank) {
        long off = 0;
        for (int j = 0; j < dims.length; j++) {
            int i = j + rank - dims.length;
            off = off * dims[j] + (dims[j] == 1 ? 0 : index[i]);
        }
        return (int) off;
    }

    private static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    private static void increment(int[] index, long[] dims) {
        for (int i = dims.length - 1; i >= 0; i--) {
            if (++index[i] < dims[i]) {
                return;
            }
            index[i] = 0;
        }
    }
}
