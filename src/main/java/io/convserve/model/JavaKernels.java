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

    /** Scratch of one convolution step: the padded input of one example and one accumulator plane. */
    static float[][] convScratch(ConvShape s) {
        return new float[][] {new float[s.c() * s.planeLength()], new float[s.outH() * s.paddedW()]};
    }

    /**
     * {@code out = act(conv(in, weight) + bias)} for {@code batch} examples; weight {@code [f, c/groups, kh, kw]},
     * bias {@code [f]} or null.
     *
     * <p>With stride 1 every tap is one multiply-add over the whole output plane: the accumulator has the padded
     * input's row pitch, so a tap is a shift of the padded plane and the columns past {@code outW} (garbage) are
     * dropped when the plane is copied out. Strided convolutions run row by row.
     */
    static void conv(ConvShape s, float[] in, float[] weight, float[] bias, float[] out, int batch,
                     Activation act, double alpha, float[][] scratch) {
        float[] padded = scratch[0];
        float[] acc = scratch[1];
        int pw = s.paddedW();
        int plane = s.planeLength();
        int inPerGroup = s.c() / s.groups();
        int outPerGroup = s.f() / s.groups();
        int taps = s.kh() * s.kw();
        int outPlane = s.outH() * s.outW();
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(padded, 0f);
            for (int c = 0; c < s.c(); c++) {
                for (int y = 0; y < s.h(); y++) {
                    System.arraycopy(in, ((n * s.c() + c) * s.h() + y) * s.w(), padded,
                            c * plane + (y + s.top()) * pw + s.left(), s.w());
                }
            }
            for (int o = 0; o < s.f(); o++) {
                int g = o / outPerGroup;
                java.util.Arrays.fill(acc, 0f);
                for (int ci = 0; ci < inPerGroup; ci++) {
                    int source = (g * inPerGroup + ci) * plane;
                    int w0 = (o * inPerGroup + ci) * taps;
                    for (int ky = 0; ky < s.kh(); ky++) {
                        for (int kx = 0; kx < s.kw(); kx++) {
                            float wv = weight[w0 + ky * s.kw() + kx];
                            int shift = source + ky * s.dh() * pw + kx * s.dw();
                            if (s.sh() == 1 && s.sw() == 1) {
                                int len = s.outH() * pw;
                                for (int p = 0; p < len; p++) {
                                    acc[p] += wv * padded[shift + p];
                                }
                            } else {
                                for (int oy = 0; oy < s.outH(); oy++) {
                                    int row = shift + oy * s.sh() * pw;
                                    int a = oy * pw;
                                    for (int ox = 0; ox < s.outW(); ox++) {
                                        acc[a + ox] += wv * padded[row + ox * s.sw()];
                                    }
                                }
                            }
                        }
                    }
                }
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

    /**
     * {@code out = act(x · Wᵀ + bias)} with {@code weightT} the row-major {@code [in, units]} transpose: each input
     * feature adds a multiple of one weight row, skipping the zeros a preceding relu leaves.
     */
    static void dense(float[] x, float[] weightT, float[] bias, float[] out, int batch, int in, int units,
                      Activation act, double alpha) {
        for (int n = 0; n < batch; n++) {
            int o = n * units;
            if (bias == null) {
                java.util.Arrays.fill(out, o, o + units, 0f);
            } else {
                System.arraycopy(bias, 0, out, o, units);
            }
            for (int i = 0; i < in; i++) {
                float xv = x[n * in + i];
                if (xv == 0f) {
                    continue;
                }
                int row = i * units;
                for (int j = 0; j < units; j++) {
                    out[o + j] += xv * weightT[row + j];
                }
            }
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
                    float v = max ? Float.NEGATIVE_INFINITY : 0f;
                    for (int y = y0; y < y1; y++) {
                        int row = source + y * w;
                        for (int x = x0; x < x1; x++) {
                            v = max ? Math.max(v, in[row + x]) : v + in[row + x];
                        }
                    }
                    out[target + oy * outW + ox] = max ? v : v / ((y1 - y0) * (x1 - x0));
                }
            }
        }
    }
}
