package io.convserve.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A standalone activation: {@code relu}, {@code leaky_relu} ({@code alpha}), {@code sigmoid}, {@code tanh}, {@code softmax}. */
public final class ActivationLayer extends AbstractLayer {

    private final Activation activation;
    private final double alpha;

    public ActivationLayer(int index, String name, Activation activation, double alpha) {
        super(index, name);
        this.activation = activation;
        this.alpha = alpha;
    }

    static ActivationLayer from(LayerConfig c, Activation activation) {
        double alpha = activation == Activation.LEAKY_RELU
                ? c.number("alpha", Activation.DEFAULT_LEAKY_ALPHA) : Activation.DEFAULT_LEAKY_ALPHA;
        c.finish();
        return new ActivationLayer(c.index(), c.name(), activation, alpha);
    }

    @Override
    public String type() {
        return activation.id();
    }

    @Override
    public Map<String, Object> config() {
        return activation == Activation.LEAKY_RELU ? config("alpha", alpha) : Map.of();
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        return x -> activation.apply(x, alpha, false);
    }

    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in) {
        return new ExecutionPlan.Step(in, activation.inPlace(in, alpha));
    }
}
