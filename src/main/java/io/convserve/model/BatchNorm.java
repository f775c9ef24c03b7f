package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalisation at inference: {@code y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta},
 * folded into one scale and one shift per channel.
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

    /** Folded into one scale and one shift per channel, in place on any layout. */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        INDArray scale = params.get("gamma").div(Transforms.sqrt(params.get("moving_variance").add(epsilon), false));
        INDArray shift = params.get("beta").sub(params.get("moving_mean").mul(scale));
        return new BaseOp(input) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel != Kernel.NATIVE ? List.of()
                        : input.isImage() ? List.of(Layout.NCHW, Layout.NHWC) : List.of(Layout.FLAT);
            }

            @Override
            public boolean inPlace() {
                return true;
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                INDArray x = b.out();
                if (b.layout() == Layout.NCHW) {
                    INDArray s = Tensors.perChannel(scale, 4);
                    INDArray t = Tensors.perChannel(shift, 4);
                    return new Native(() -> x.muli(s).addi(t));
                }
                // channels last: rows of C
                INDArray rows = x.reshape('c', x.length() / scale.length(), scale.length());
                INDArray s = scale.reshape(1, scale.length()).dup();
                INDArray t = shift.reshape(1, shift.length()).dup();
                return new Native(() -> rows.muliRowVector(s).addiRowVector(t));
            }
        };
    }
}
