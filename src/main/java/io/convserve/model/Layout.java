package io.convserve.model;

/** How a tensor between two steps of a plan lies in memory (row-major, batch first). */
public enum Layout {
    /** {@code [N, C, H, W]}: the layout of the API, of PyTorch and of every layer's output as the caller sees it. */
    NCHW,
    /** {@code [N, H, W, C]}: what libnd4j pools, normalises (LRN) and takes softmax over channels fastest in. */
    NHWC,
    /** {@code [N, F]}: a flat feature vector per example. */
    FLAT;

    /** The buffer shape of a tensor of per-example {@code shape} in this layout. */
    long[] shape(Shape shape, long batch) {
        if (this == NHWC) {
            return new long[] {batch, shape.height(), shape.width(), shape.channels()};
        }
        return shape.withBatch(batch);
    }

    /** The layout a tensor of {@code shape} is in when nothing asks for another: NCHW for feature maps. */
    static Layout natural(Shape shape) {
        return shape.isImage() ? NCHW : FLAT;
    }

    /**
     * Whether the two layouts of a feature map are the same memory (one channel, or one pixel), so that changing
     * layout is a reshape and costs nothing.
     */
    static boolean sameMemory(Shape shape) {
        return !shape.isImage() || shape.channels() == 1 || (long) shape.height() * shape.width() == 1;
    }
}
