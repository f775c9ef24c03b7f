package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fully connected layer, PyTorch's {@code nn.Linear}: {@code y = x W^T + b}. The input size is inferred.
 *
 * <p>Shape: input {@code [n]}, weight {@code [units, n]}, bias {@code [units]}, output {@code [units]}.
 *
 * <p>The weight is kept as a {@code [units, n]} view of a row-major {@code [n, units]} buffer (W^T), so that the
 * product is {@code x · W^T} with no transposed operand: libnd4j's matmul with a transposed {@code B} runs 1.4x
 * (batch 8) to 4x (batch 32) slower on AlexNet's fc6 (docs/benchmarks.md).
 */
public final class Dense extends AbstractLayer {

    private final int units;
    private final boolean bias;
    private final Activation activation;

    public Dense(int index, String name, int units, boolean bias, Activation activation) {
        super(index, name);
        this.units = units;
        this.bias = bias;
        this.activation = activation;
    }

    static Dense from(LayerConfig c) {
        int units = c.requiredInt("units");
        boolean bias = c.bool("bias", true);
        Activation activation = c.activation("activation");
        c.finish();
        return new Dense(c.index(), c.name(), units, bias, activation);
    }

    @Override
    public String type() {
        return "dense";
    }

    @Override
    public Map<String, Object> config() {
        return config("units", units, "bias", bias, "activation", activation.id());
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 1) {
            throw impossible("expects a flat [features] input; add a flatten layer before it (it would receive "
                    + input.elements() + " features)", "input", input);
        }
        return new Shape(units);
    }

    @Override
    public List<ParameterSpec> parameters(Shape input) {
        outputShape(input);
        ParameterSpec weight = new ParameterSpec("weight", new Shape(units, input.dim(0)), true);
        return bias ? List.of(weight, new ParameterSpec("bias", new Shape(units), true)) : List.of(weight);
    }

    @Override
    public long macs(Shape input) {
        outputShape(input);
        return product(input.dim(0), units);
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        INDArray weightT = params.get("weight").transpose();
        INDArray b = bias ? params.get("bias").reshape(1, units) : null;
        return x -> {
            // x is [N, n]; weightT is [n, units]
            INDArray y = x.mmul(weightT);
            if (b != null) {
                y.addiRowVector(b);
            }
            return activation.apply(y, Activation.DEFAULT_LEAKY_ALPHA, true);
        };
    }

    /** The weight as a view of its row-major transpose (the values of {@code array}, W^T's memory order). */
    @Override
    public INDArray bind(ParameterSpec spec, INDArray array) {
        // weight is [units, n]; the copy is W^T [n, units] row-major, and its transpose() a view back to [units, n]
        return spec.name().equals("weight") ? array.transpose().dup('c').transpose() : array;
    }

    /** {@code out = in · Wᵀ} by one gemm into the plan's buffer, then bias and activation in place. */
    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in) {
        outputShape(input);
        INDArray weight = params.get("weight");
        // weightT is [n, units]: a row-major buffer when the weight was bound by bind()
        INDArray weightT = weight.transpose();
        boolean rowMajorTranspose = weightT.ordering() == 'c' && weightT.offset() == 0
                && weightT.length() == weightT.data().length();
        INDArray out = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, in.size(0), units);
        Runnable act = activation.inPlace(out, Activation.DEFAULT_LEAKY_ALPHA);
        // libnd4j's matmul op on a prepared context (about 20 us of fixed cost, Nd4j.gemm about 40); with a bias, the
        // bias rows are copied into the output for the product to accumulate onto (beta = 1): a plain copy costs a
        // few microseconds where addiRowVector's broadcast costs ~150 (LeNet's fc layers, docs/benchmarks.md)
        Runnable product = new PreparedOp(rowMajorTranspose
                ? new org.nd4j.linalg.api.ops.impl.reduce.Mmul(in, weightT, out, 1.0, bias ? 1.0 : 0.0,
                        org.nd4j.linalg.api.blas.params.MMulTranspose.builder().build())
                : new org.nd4j.linalg.api.ops.impl.reduce.Mmul(in, weight, out, 1.0, bias ? 1.0 : 0.0,
                        org.nd4j.linalg.api.blas.params.MMulTranspose.builder().transposeB(true).build()));
        if (!bias) {
            return new ExecutionPlan.Step(out, () -> {
                product.run();
                act.run();
            });
        }
        INDArray rows = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, in.size(0), units);
        rows.assign(params.get("bias").reshape(1, units).broadcast(in.size(0), units));
        return new ExecutionPlan.Step(out, () -> {
            out.assign(rows);
            product.run();
            act.run();
        });
    }
}
