package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.LocalResponseNormalization;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.LocalResponseNormalizationConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Local response normalisation across channels, PyTorch's {@code nn.LocalResponseNorm} (AlexNet):
 * {@code b_c = a_c / (k + alpha/size * sum_{j=c-size/2}^{c+(size-1)/2} a_j^2)^beta}, out-of-range channels as zero.
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

    /**
     * Native, odd {@code size} of at least 3 (a window centred on the channel, as in AlexNet): libnd4j's fused
     * {@code lrn} op, which normalises over the last axis, hence NHWC only (about five times faster than the
     * element-wise passes, docs/benchmarks.md). libnd4j's window is {@code depth} channels either side and its alpha
     * is not divided by the window, hence {@code depth = size / 2} and {@code alpha / size}. An even {@code size}
     * (PyTorch's window is then one channel longer before than after), or 1, runs element-wise passes on NCHW,
     * every intermediate in a buffer built once.
     */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        LocalResponseNorm layer = this;
        return new BaseOp(input) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel != Kernel.NATIVE ? List.of() : List.of(fusedOp() ? Layout.NHWC : Layout.NCHW);
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                return new Native(fusedOp() ? layer.fused(b) : layer.elementWise(b, input));
            }
        };
    }

    /** libnd4j's op takes an odd window of at least 3 ({@code depth} 0 is rejected). */
    private boolean fusedOp() {
        return size % 2 == 1 && size > 1;
    }

    private Runnable fused(Op.Bind b) {
        return new PreparedOp(new LocalResponseNormalization(b.in(), b.out(),
                LocalResponseNormalizationConfig.builder().alpha(alpha / size).beta(beta).bias(k).depth(size / 2)
                        .build()));
    }

    private Runnable elementWise(Op.Bind b, Shape input) {
        int c = input.channels();
        int front = size / 2;
        INDArray in = b.in();
        INDArray output = b.out();
        // squares padded along channels: [N, C + size - 1, H, W], x^2 at channel offset `front`
        INDArray padded = Nd4j.zeros(DataType.FLOAT, b.batch(), c + size - 1, input.height(), input.width());
        INDArray squares = padded.get(NDArrayIndex.all(), NDArrayIndex.interval(front, front + c));
        INDArray[] windows = new INDArray[size];
        for (int o = 0; o < size; o++) {
            windows[o] = padded.get(NDArrayIndex.all(), NDArrayIndex.interval(o, o + c));
        }
        INDArray sum = Nd4j.create(DataType.FLOAT, b.batch(), c, input.height(), input.width());
        double scale = alpha / size;
        return () -> {
            squares.assign(in).muli(in);
            sum.assign(windows[0]);
            for (int o = 1; o < size; o++) {
                sum.addi(windows[o]);
            }
            // sum is the window's sum of squares
            Transforms.pow(sum.muli(scale).addi(k), beta, false);
            output.assign(in).divi(sum);
        };
    }
}
