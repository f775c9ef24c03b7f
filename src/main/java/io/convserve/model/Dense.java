package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
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

    /** The weight as a view of its row-major transpose (the values of {@code array}, W^T's memory order). */
    @Override
    public INDArray bind(ParameterSpec spec, INDArray array) {
        // weight is [units, n]; the copy is W^T [n, units] row-major, and its transpose() a view back to [units, n]
        return spec.name().equals("weight") ? array.transpose().dup('c').transpose() : array;
    }

    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        int in = input.dim(0);
        INDArray weight = params.get("weight");
        INDArray b = bias ? params.get("bias") : null;
        return new BaseOp(new Shape(units), activation) {
            @Override
            public long macs() {
                return (long) in * units;
            }

            @Override
            public boolean addsBias() {
                return b != null;
            }

            @Override
            public Work work() {
                return Work.MATRIX_PRODUCT;
            }

            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel == Kernel.VIEW ? List.of() : List.of(Layout.FLAT);
            }

            @Override
            public Step step(Kernel kernel, Bind bind) {
                return kernel == Kernel.JAVA ? java(bind, weight, b, in) : nativeStep(bind, weight, b);
            }
        };
    }

    private Op.Step java(Op.Bind bind, INDArray weight, INDArray b, int in) {
        float[] weightT = weight.transpose().dup('c').data().asFloat();
        float[][] rows = new float[in][];
        for (int i = 0; i < in; i++) {
            rows[i] = java.util.Arrays.copyOfRange(weightT, i * units, (i + 1) * units);
        }
        float[] bv = b == null ? null : b.dup('c').data().asFloat();
        float[] acc = new float[units];
        Activation act = bind.activation();
        double alpha = bind.alpha();
        int batch = bind.batch();
        return new Op.Java((x, out) -> JavaKernels.dense(x, rows, bv, out, acc, batch, in, units, act, alpha));
    }

    /**
     * {@code out = in · Wᵀ} by one gemm into the plan's buffer, then the activation in place. libnd4j's matmul op on
     * a prepared context costs about 20 µs of fixed cost (Nd4j.gemm about 40); with a bias, the bias rows are copied
     * into the output for the product to accumulate onto (beta = 1): a plain copy costs a few microseconds where
     * addiRowVector's broadcast costs ~150 (LeNet's fc layers, docs/benchmarks.md).
     */
    private Op.Step nativeStep(Op.Bind bind, INDArray weight, INDArray b) {
        INDArray in = bind.in();
        INDArray out = bind.out();
        // weightT is [n, units]: a row-major buffer when the weight was bound by bind()
        INDArray weightT = weight.transpose();
        boolean rowMajorTranspose = weightT.ordering() == 'c' && weightT.offset() == 0
                && weightT.length() == weightT.data().length();
        Runnable act = bind.activation().inPlace(out, bind.alpha(), Layout.FLAT);
        Runnable product = new PreparedOp(rowMajorTranspose
                ? new Mmul(in, weightT, out, 1.0, b != null ? 1.0 : 0.0, MMulTranspose.builder().build())
                : new Mmul(in, weight, out, 1.0, b != null ? 1.0 : 0.0,
                        MMulTranspose.builder().transposeB(true).build()));
        if (b == null) {
            return new Op.Native(() -> {
                product.run();
                act.run();
            });
        }
        INDArray rows = Nd4j.create(DataType.FLOAT, in.size(0), units);
        rows.assign(b.reshape(1, units).broadcast(in.size(0), units));
        return new Op.Native(() -> {
            out.assign(rows);
            product.run();
            act.run();
        });
    }
}
