package io.convserve.model;

/**
 * Single-threaded Java kernels on heap arrays (row-major NCHW or flat), for steps so small that a native call's
 * fixed cost exceeds the arithmetic. Inner loops are unit-stride multiply-adds over one array, which C2 turns into
 * vector instructions; the planner picks these kernels only below the sizes where they measured faster
 * ({@link Planner}).
 */
final class JavaKernels {

    private JavaKernels() {
    }

    /** A convolution's geometry: input {@code [c, h, w]}, {@code f} filters, padding already resolved. */
    record ConvShape(int c, int h, int w, int f, int groups, int kh, int kw, int sh, int sw, int dh, int dw,
                     int top, int left, int outH, int outW) {

        /** Width of the zero-padded input plane (also the row pitch of the accumulator). */
        int paddedW() {
            return Math.max(w + left, (outW - 1) * sw + (kw - 1) * dw + 1);
        }

        int paddedH() {
            return Math.max(h + top, (outH - 1) * sh + (kh - 1) * dh + 1);
        }

        /** A padded plane plus the tail the last taps of the stride-1 loop read past the last row. */
        int planeLength() {
            return paddedH() * paddedW() + (kw - 1) * dw;
        }
    }

    /**
     * Scratch of one convolution step: the padded input of one example, one accumulator plane per filter and the
     * shifted input plane of one tap.
     */
    static float[][] convScratch(ConvShape s) {
        float[][] scratch = new float[2 + s.f()][];
        scratch[0] = new float[s.c() * s.planeLength()];
        scratch[1] = new float[s.outH() * s.paddedW()];
        for (int i = 0; i < s.f(); i++) {
            scratch[2 + i] = new float[s.outH() * s.paddedW()];
        }
        return scratch;
    }

    /**
     * {@code out = act(conv(in, weight) + bias)} for {@code batch} examples; weight {@code [f, c/groups, kh, kw]},
     * bias {@code [f]} or null.
     *
     * <p>With stride 1 every tap is one multiply-add over the whole output plane: the accumulators have the padded
     * input's row pitch, so a tap is a shift of the padded plane and the columns past {@code outW} (garbage) are
     * dropped when the plane is copied out. Each tap's shifted plane is first copied to an array of its own, read
     * by every filter of the group: C2 (JDK 17) vectorises {@code acc[p] += w * tap[p]} but not a loop whose two
     * arrays are indexed with different offsets (measured 14-22 against 4-7 GFLOP/s on one core). Strided
     * convolutions run row by row, unvectorised.
     */
    static void conv(ConvShape s, float[] in, float[] weight, float[] bias, float[] out, int batch,
                     Activation act, double alpha, float[][] scratch) {
        float[] padded = scratch[0];
        float[] tap = scratch[1];
        int pw = s.paddedW();
        int plane = s.planeLength();
        int inPerGroup = s.c() / s.groups();
        int outPerGroup = s.f() / s.groups();
        int taps = s.kh() * s.kw();
        int outPlane = s.outH() * s.outW();
        int len = s.outH() * pw;
        boolean unitStride = s.sh() == 1 && s.sw() == 1;
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(padded, 0f);
            for (int c = 0; c < s.c(); c++) {
                for (int y = 0; y < s.h(); y++) {
                    System.arraycopy(in, ((n * s.c() + c) * s.h() + y) * s.w(), padded,
                            c * plane + (y + s.top()) * pw + s.left(), s.w());
                }
            }
            for (int o = 0; o < s.f(); o++) {
                java.util.Arrays.fill(scratch[2 + o], 0f);
            }
            for (int c = 0; c < s.c(); c++) {
                int g = c / inPerGroup;
                int ci = c - g * inPerGroup;
                for (int ky = 0; ky < s.kh(); ky++) {
                    for (int kx = 0; kx < s.kw(); kx++) {
                        int shift = c * plane + ky * s.dh() * pw + kx * s.dw();
                        int t = (ci * s.kh() + ky) * s.kw() + kx;
                        if (unitStride) {
                            System.arraycopy(padded, shift, tap, 0, len);
                            for (int o = g * outPerGroup; o < (g + 1) * outPerGroup; o++) {
                                float wv = weight[o * inPerGroup * taps + t];
                                float[] acc = scratch[2 + o];
                                for (int p = 0; p < len; p++) {
                                    acc[p] += wv * tap[p];
                                }
                            }
                        } else {
                            for (int o = g * outPerGroup; o < (g + 1) * outPerGroup; o++) {
                                strided(s, padded, shift, weight[o * inPerGroup * taps + t], scratch[2 + o]);
                            }
                        }
                    }
                }
            }
            for (int o = 0; o < s.f(); o++) {
                float[] acc = scratch[2 + o];
                float b = bias == null ? 0f : bias[o];
                int target = (n * s.f() + o) * outPlane;
                for (int oy = 0; oy < s.outH(); oy++) {
                    for (int ox = 0; ox < s.outW(); ox++) {
                        out[target + oy * s.outW() + ox] = acc[oy * pw + ox] + b;
                    }
                }
            }
        }
        act.applyJava(out, batch, s.f(), outPlane, alpha);
    }

    /** One tap of a strided convolution into one filter's accumulator (row pitch {@code paddedW}). */
    private static void strided(ConvShape s, float[] padded, int shift, float wv, float[] acc) {
        int pw = s.paddedW();
        for (int oy = 0; oy < s.outH(); oy++) {
            int row = shift + oy * s.sh() * pw;
            int a = oy * pw;
            for (int ox = 0; ox < s.outW(); ox++) {
                acc[a + ox] += wv * padded[row + ox * s.sw()];
            }
        }
    }

    /**
     * {@code out = act(x · Wᵀ + bias)} with {@code weightRows[i]} row {@code i} of the {@code [in, units]}
     * transpose:
     * each input feature adds a multiple of one weight row to the example's accumulator (both indexed from 0, so
     * that C2 vectorises the loop), skipping the zeros a preceding relu leaves.
     */
    static void dense(float[] x, float[][] weightRows, float[] bias, float[] out, float[] acc, int batch, int in,
                      int units, Activation act, double alpha) {
        for (int n = 0; n < batch; n++) {
            if (bias == null) {
                java.util.Arrays.fill(acc, 0f);
            } else {
                System.arraycopy(bias, 0, acc, 0, units);
            }
            for (int i = 0; i < in; i++) {
                float xv = x[n * in + i];
                if (xv == 0f) {
                    continue;
                }
                float[] row = weightRows[i];
                for (int j = 0; j < units; j++) {
                    acc[j] += xv * row[j];
                }
            }
            System.arraycopy(acc, 0, out, n * units, units);
        }
        act.applyJava(out, batch, units, 1, alpha);
    }

    /**
     * Max or average pooling of NCHW planes; cells outside the input (padding, ceil mode) are skipped, so an
     * average divides by the cells inside the input (PyTorch's {@code count_include_pad=False}, Keras' "same").
     */
    static void pool(boolean max, float[] in, float[] out, int planes, int h, int w, int outH, int outW, int kh,
                     int kw, int sh, int sw, int top, int left) {
        for (int p = 0; p < planes; p++) {
            int source = p * h * w;
            int target = p * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                int y0 = Math.max(oy * sh - top, 0);
                int y1 = Math.min(oy * sh - top + kh, h);
                for (int ox = 0; ox < outW; ox++) {
                    int x0 = Math.max(ox * sw - left, 0);
                    int x1 = Math.min(ox * sw - left + kw, w);
                    out[target + oy * outW + ox] = max ? max(in, source, w, y0, y1, x0, x1)
                            : sum(in, source, w, y0, y1, x0, x1) / ((y1 - y0) * (x1 - x0));
                }
            }
        }
    }

    private static float max(float[] in, int source, int w, int y0, int y1, int x0, int x1) {
        float v = Float.NEGATIVE_INFINITY;
        for (int y = y0; y < y1; y++) {
            int row = source + y * w;
            for (int x = x0; x < x1; x++) {
                v = Math.max(v, in[row + x]);
            }
        }
        return v;
    }

    private static float sum(float[] in, int source, int w, int y0, int y1, int x0, int x1) {
        float v = 0f;
        for (int y = y0; y < y1; y++) {
            int row = source + y * w;
            for (int x = x0; x < x1; x++) {
                v += in[row + x];
            }
        }
        return v;
    }
}
