package io.convserve.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.LocalResponseNormalization;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.LocalResponseNormalizationConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Local response normalisation across channels, PyTorch's {@code nn.LocalResponseNorm} (AlexNet):
 * {@code b_c = a_c / (k + alpha/size * sum_{j=c-size/2}^{c+(size-1)/2} a_j^2)^beta}, out-of-range channels as zero.
 *
 * <p>Computed on NCHW directly: libnd4j's {@code lrn} normalises over the last axis, which is wrong for NCHW.
 *
 * <p>Shape: input {@code [C, H, W]}, output the same.
 */
public final class LocalResponseNorm extends AbstractLayer {

    private final int size;
    private final double alpha;
    private final double beta;
    private final double k;

    public LocalResponseNorm(int index, String name, int size, double alpha, double beta, double k) {
        super(index, name);
        this.size = size;
        this.alpha = alpha;
        this.beta = beta;
        this.k = k;
    }

    static LocalResponseNorm from(LayerConfig c) {
        int size = c.positiveInt("size", 5);
        double alpha = c.number("alpha", 1e-4);
        double beta = c.number("beta", 0.75);
        double k = c.number("k", 2.0);
        c.finish();
        return new LocalResponseNorm(c.index(), c.name(), size, alpha, beta, k);
    }

    @Override
    public String type() {
        return "local_response_norm";
    }

    @Override
    public Map<String, Object> config() {
        return config("size", size, "alpha", alpha, "beta", beta, "k", k);
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        return input;
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        int c = input.channels();
        int front = size / 2;
        return x -> {
            long n = x.size(0);
            // squares padded along channels: [N, C + size - 1, H, W], x^2 at channel offset `front`
            INDArray padded = Nd4j.zeros(x.dataType(), n, c + size - 1, input.height(), input.width());
            padded.get(NDArrayIndex.all(), NDArrayIndex.interval(front, front + c)).assign(x).muli(x);
            INDArray sum = padded.get(NDArrayIndex.all(), NDArrayIndex.interval(0, c)).dup();
            for (int o = 1; o < size; o++) {
                sum.addi(padded.get(NDArrayIndex.all(), NDArrayIndex.interval(o, o + c)));
            }
            // sum is [N, C, H, W]: the window's sum of squares
            INDArray denominator = Transforms.pow(sum.muli(alpha / size).addi(k), beta, false);
            return x.div(denominator);
        };
    }

    /**
     * Planned form. For an odd {@code size} (a window centred on the channel, as in AlexNet) libnd4j's fused
     * {@code lrn} op runs on a contiguous NHWC copy and the result is copied back, unless the next step reads it in
     * NHWC (a pooling layer): about five times faster than the element-wise passes (docs/benchmarks.md). libnd4j's window is {@code depth} channels either side and its alpha
     * is not divided by the window, hence {@code depth = size / 2} and {@code alpha / size}. An even {@code size}
     * (PyTorch's window is then one channel longer before than after) keeps the element-wise form of
     * {@link #compile}, every intermediate in a buffer of the plan.
     */
    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in) {
        return plan(input, params, in, null);
    }

    /** As {@link #plan(Shape, Map, INDArray)}, reading the previous step's NHWC buffer when there is one. */
    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in, INDArray inNhwc) {
        outputShape(input);
        int c = input.channels();
        int front = size / 2;
        long n = in.size(0);
        org.nd4j.linalg.api.buffer.DataType f = org.nd4j.linalg.api.buffer.DataType.FLOAT;
        if (size % 2 == 1) {
            INDArray nhwc = inNhwc != null ? inNhwc : Nd4j.create(f, n, input.height(), input.width(), c);
            INDArray normalised = Nd4j.create(f, n, input.height(), input.width(), c);
            INDArray output = Nd4j.create(f, n, c, input.height(), input.width());
            Runnable op = new PreparedOp(new LocalResponseNormalization(nhwc, normalised,
                    LocalResponseNormalizationConfig.builder()
                            .alpha(alpha / size).beta(beta).bias(k).depth(size / 2).build()));
            INDArray inAsNhwc = in.permute(0, 2, 3, 1);
            INDArray normalisedAsNchw = normalised.permute(0, 3, 1, 2);
            if (inNhwc != null) {
                return new ExecutionPlan.Step(output, op, normalised, () -> output.assign(normalisedAsNchw), true);
            }
            return new ExecutionPlan.Step(output, () -> {
                nhwc.assign(inAsNhwc);
                op.run();
            }, normalised, () -> output.assign(normalisedAsNchw), false);
        }
        INDArray padded = Nd4j.zeros(f, n, c + size - 1, input.height(), input.width());
        INDArray squares = padded.get(NDArrayIndex.all(), NDArrayIndex.interval(front, front + c));
        INDArray[] windows = new INDArray[size];
        for (int o = 0; o < size; o++) {
            windows[o] = padded.get(NDArrayIndex.all(), NDArrayIndex.interval(o, o + c));
        }
        INDArray sum = Nd4j.create(f, n, c, input.height(), input.width());
        INDArray output = Nd4j.create(f, n, c, input.height(), input.width());
        double scale = alpha / size;
        return new ExecutionPlan.Step(output, () -> {
            squares.assign(in).muli(in);
            sum.assign(windows[0]);
            for (int o = 1; o < size; o++) {
                sum.addi(windows[o]);
            }
            Transforms.pow(sum.muli(scale).addi(k), beta, false);
            output.assign(in).divi(sum);
        });
    }
}
