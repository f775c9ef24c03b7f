package io.convserve.model;

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

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        long features = input.elements();
        return x -> x.reshape('c', x.size(0), features);
    }

    /** A view of the plan's contiguous input: nothing to run. */
    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in) {
        return new ExecutionPlan.Step(in.reshape('c', in.size(0), input.elements()), () -> { });
    }
}
