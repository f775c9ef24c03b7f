package io.convserve.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        return x -> Tensors.padSpatial(x, padding.top(), padding.bottom(), padding.left(), padding.right(), 0.0);
    }
}
