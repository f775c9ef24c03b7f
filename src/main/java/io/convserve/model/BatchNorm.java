package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalisation at inference: {@code y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta},
 * folded at compile time into one scale and one shift per channel.
 *
 * <p>Shape: input {@code [C, H, W]} (per channel) or {@code [F]} (per feature), output the same;
 * parameters gamma, beta (trainable), moving_mean, moving_variance (non-trainable), each {@code [C]}.
 */
public final class BatchNorm extends AbstractLayer {

    private final double epsilon;

    public BatchNorm(int index, String name, double epsilon) {
        super(index, name);
        this.epsilon = epsilon;
    }

    static BatchNorm from(LayerConfig c) {
        double epsilon = c.number("epsilon", 1e-5);
        c.finish();
        if (epsilon < 0) {
            throw c.error("field 'epsilon' must not be negative. Received: " + epsilon);
        }
        return new BatchNorm(c.index(), c.name(), epsilon);
    }

    @Override
    public String type() {
        return "batch_norm";
    }

    @Override
    public Map<String, Object> config() {
        return config("epsilon", epsilon);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public List<ParameterSpec> parameters(Shape input) {
        Shape c = new Shape(input.dim(0));
        return List.of(new ParameterSpec("gamma", c, true), new ParameterSpec("beta", c, true),
                new ParameterSpec("moving_mean", c, false), new ParameterSpec("moving_variance", c, false));
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        INDArray scale = params.get("gamma").div(Transforms.sqrt(params.get("moving_variance").add(epsilon), false));
        INDArray shift = params.get("beta").sub(params.get("moving_mean").mul(scale));
        int rank = input.rank() + 1;
        INDArray s = Tensors.perChannel(scale, rank);
        INDArray t = Tensors.perChannel(shift, rank);
        // x is [N, C, H, W] or [N, F]
        return x -> x.mul(s).addi(t);
    }
}
