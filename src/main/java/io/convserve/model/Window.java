package io.convserve.model;

/**
 * A sliding window over H and W: kernel, stride, dilation and padding. This is the one place where
 * conv and pool output sizes and padding amounts are computed, for height and width alike.
 *
 * <p>Rules (docs/design.md#the-layer-stack): explicit padding gives {@code floor((W + p_l + p_r - d*(K-1) - 1) / S) + 1};
 * with {@code ceil_mode} the ceiling, minus a last window that would start inside the right padding
 * (PyTorch). {@code "same"} gives {@code ceil(W / S)} with total padding
 * {@code max((out-1)*S + d*(K-1) + 1 - W, 0)}, the smaller half on the top/left (TensorFlow).
 */
public record Window(int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW,
                     Padding padding, boolean ceilMode) {

    /** Padding amounts resolved for one input size, plus the output size. */
    public record Resolved(int outH, int outW, int top, int bottom, int left, int right,
                           int extraBottom, int extraRight) {
        public boolean hasPadding() {
            return top != 0 || bottom != 0 || left != 0 || right != 0 || extraBottom != 0 || extraRight != 0;
        }
    }

    /** One axis: output length, padding before and after, and the extra padding ceil_mode needs. */
    record Axis(int out, int before, int after, int extra) {
    }

    public int effectiveKernelH() {
        return dilationH * (kernelH - 1) + 1;
    }

    public int effectiveKernelW() {
        return dilationW * (kernelW - 1) + 1;
    }

    /**
     * Output size and padding for an input of {@code inH x inW}. Returns output lengths that may be
     * zero or negative; {@link #requirePositive} turns those into the layer's error.
     */
    public Resolved resolve(int inH, int inW) {
        Axis h = axis(inH, kernelH, strideH, dilationH, true);
        Axis w = axis(inW, kernelW, strideW, dilationW, false);
        return new Resolved(h.out, w.out, h.before, h.after, w.before, w.after, h.extra, w.extra);
    }

    private Axis axis(int in, int k, int s, int d, boolean vertical) {
        // long arithmetic: a hostile input size or dilation must not wrap around into a plausible size
        long effective = (long) d * (k - 1) + 1;
        if (padding instanceof Padding.Valid) {
            return axis(Math.floorDiv(in - effective, s) + 1, 0, 0, 0);
        }
        if (padding instanceof Padding.Same) {
            long out = -Math.floorDiv(-(long) in, s);
            long total = Math.max((out - 1) * s + effective - in, 0);
            return axis(out, total / 2, total - total / 2, 0);
        }
        Padding.Explicit e = (Padding.Explicit) padding;
        return explicitAxis(in, effective, s, vertical ? e.top() : e.left(), vertical ? e.bottom() : e.right());
    }

    private Axis explicitAxis(long in, long effective, long s, long before, long after) {
        long span = in + before + after - effective;
        long out = Math.floorDiv(span, s) + 1;
        if (ceilMode && span >= 0) {
            out = -Math.floorDiv(-span, s) + 1;
            if ((out - 1) * s >= in + before) {
                out--;
            }
        }
        long extra = Math.max(0, (out - 1) * s + effective - (in + before + after));
        return axis(out, before, after, extra);
    }

    private static Axis axis(long out, long before, long after, long extra) {
        return new Axis(Math.toIntExact(out), Math.toIntExact(before), Math.toIntExact(after),
                Math.toIntExact(extra));
    }
}
