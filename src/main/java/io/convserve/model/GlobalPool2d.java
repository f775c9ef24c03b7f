package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Global average or max over H and W. Shape: input {@code [C, H, W]}, output {@code [C]}.
 */
public final class GlobalPool2d extends AbstractLayer {

    private final Pool2d.Kind kind;

    public GlobalPool2d(int index, String name, Pool2d.Kind kind) {
        super(index, name);
        this.kind = kind;
    }

    static GlobalPool2d from(LayerConfig c, Pool2d.Kind kind) {
        c.finish();
        return new GlobalPool2d(c.index(), c.name(), kind);
    }

    @Override
    public String type() {
        return kind == Pool2d.Kind.MAX ? "global_max_pool2d" : "global_avg_pool2d";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        return new Shape(input.channels());
    }

    /** A reduction over the two spatial axes of either layout into a flat {@code [N, C]} output. */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        Shape out = outputShape(input);
        return new BaseOp(out) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel == Kernel.NATIVE ? List.of(Layout.NCHW, Layout.NHWC) : List.of();
            }

            @Override
            public Layout outputLayout(Layout in) {
                return Layout.FLAT;
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                int[] axes = b.layout() == Layout.NHWC ? new int[] {1, 2} : new int[] {2, 3};
                org.nd4j.linalg.api.ops.Op op = kind == Pool2d.Kind.MAX
                        ? new org.nd4j.linalg.api.ops.impl.reduce.same.Max(b.in(), b.out(), axes)
                        : new org.nd4j.linalg.api.ops.impl.reduce.floating.Mean(b.in(), b.out(), axes);
                return new Native(() -> org.nd4j.linalg.factory.Nd4j.exec(op));
            }
        };
    }
}
