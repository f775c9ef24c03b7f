package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Flattens a feature map in channel-major (C, H, W) order. Shape: {@code [C, H, W]} to {@code [C*H*W]}. */
public final class Flatten extends AbstractLayer {

    public Flatten(int index, String name) {
        super(index, name);
    }

    static Flatten from(LayerConfig c) {
        c.finish();
        return new Flatten(c.index(), c.name());
    }

    @Override
    public String type() {
        return "flatten";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Shape outputShape(Shape input) {
        return Shape.flat(input.elements());
    }

    /** Channel-major order is NCHW memory order: a view, once the planner has the input in NCHW. */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        return view(input, outputShape(input), Layout.natural(input), Layout.FLAT);
    }

    /** An op whose output is its input's memory, read in {@code layout}. */
    static Op view(Shape input, Shape output, Layout layout, Layout outputLayout) {
        return new BaseOp(output) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel == Kernel.VIEW ? List.of(layout) : List.of();
            }

            @Override
            public Layout outputLayout(Layout in) {
                return outputLayout;
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                return new View();
            }
        };
    }
}
