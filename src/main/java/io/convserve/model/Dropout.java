package io.convserve.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Dropout: the identity at inference. Shape unchanged. */
public final class Dropout extends AbstractLayer {

    private final double rate;

    public Dropout(int index, String name, double rate) {
        super(index, name);
        this.rate = rate;
    }

    static Dropout from(LayerConfig c) {
        double rate = c.number("rate", 0.5);
        c.finish();
        if (rate < 0 || rate >= 1) {
            throw c.error("field 'rate' must be in [0, 1). Received: " + rate);
        }
        return new Dropout(c.index(), c.name(), rate);
    }

    @Override
    public String type() {
        return "dropout";
    }

    @Override
    public Map<String, Object> config() {
        return config("rate", rate);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        return x -> x;
    }

    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in) {
        return new ExecutionPlan.Step(in, () -> { });
    }
}
