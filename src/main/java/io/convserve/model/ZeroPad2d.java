package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Zero padding of H and W. Shape: {@code [C, H, W]} to {@code [C, top+H+bottom, left+W+right]}. */
public final class ZeroPad2d extends AbstractLayer {

    private final Padding.Explicit padding;

    public ZeroPad2d(int index, String name, Padding.Explicit padding) {
        super(index, name);
        this.padding = padding;
    }

    static ZeroPad2d from(LayerConfig c) {
        Padding p = c.padding("padding", false);
        c.finish();
        return new ZeroPad2d(c.index(), c.name(), (Padding.Explicit) p);
    }

    @Override
    public String type() {
        return "zero_pad2d";
    }

    @Override
    public Map<String, Object> config() {
        return config("padding", java.util.List.of(padding.top(), padding.bottom(), padding.left(), padding.right()));
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        return Shape.chw(input.channels(), input.height() + padding.top() + padding.bottom(),
                input.width() + padding.left() + padding.right());
    }

    /** Each run zeroes the output and copies the input into its interior, in either layout. */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        Shape out = outputShape(input);
        return new BaseOp(out) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel == Kernel.NATIVE ? List.of(Layout.NCHW, Layout.NHWC) : List.of();
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                boolean nhwc = b.layout() == Layout.NHWC;
                int hAxis = nhwc ? 1 : 2;
                INDArrayIndex[] index = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.all()};
                index[hAxis] = NDArrayIndex.interval(padding.top(), padding.top() + input.height());
                index[hAxis + 1] = NDArrayIndex.interval(padding.left(), padding.left() + input.width());
                INDArray interior = b.out().get(index);
                INDArray in = b.in();
                INDArray out = b.out();
                // the border is zeroed on every run: a later in-place step (batch norm) may have written it
                return new Native(() -> {
                    out.assign(0);
                    interior.assign(in);
                });
            }
        };
    }
}
