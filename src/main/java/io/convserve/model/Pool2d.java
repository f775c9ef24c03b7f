package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Max or average pooling, PyTorch's {@code MaxPool2d}/{@code AvgPool2d(count_include_pad=False)} with
 * {@code ceil_mode}, and Keras' pooling with {@code "same"} padding (padding never counts in an average).
 *
 * <p>Shape: input {@code [C, H, W]}, output {@code [C, H_out, W_out]} with H_out/W_out from {@link Window}.
 */
public final class Pool2d extends AbstractLayer {

    /** Which reduction the window applies. */
    public enum Kind { MAX, AVG }

    private final Kind kind;
    private final Window window;

    public Pool2d(int index, String name, Kind kind, Window window) {
        super(index, name);
        this.kind = kind;
        this.window = window;
    }

    static Pool2d from(LayerConfig c, Kind kind) {
        int[] pool = c.pair("pool", null);
        int[] stride = c.pair("stride", pool);
        Padding padding = c.padding("padding", true);
        boolean ceilMode = c.bool("ceil_mode", false);
        c.finish();
        Window w = new Window(pool[0], pool[1], stride[0], stride[1], 1, 1, padding, ceilMode);
        return new Pool2d(c.index(), c.name(), kind, w);
    }

    @Override
    public String type() {
        return kind == Kind.MAX ? "max_pool2d" : "avg_pool2d";
    }

    @Override
    public Map<String, Object> config() {
        return config("pool", List.of(window.kernelH(), window.kernelW()),
                "stride", List.of(window.strideH(), window.strideW()),
                "padding", window.padding().describe(), "ceil_mode", window.ceilMode());
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        if (window.padding() instanceof Padding.Explicit p
                && (2 * Math.max(p.top(), p.bottom()) > window.kernelH()
                || 2 * Math.max(p.left(), p.right()) > window.kernelW())) {
            throw impossible("padding must be at most half of the pool size", "pool",
                    new int[] {window.kernelH(), window.kernelW()}, "padding", p.describe());
        }
        Window.Resolved r = window.resolve(input.height(), input.width());
        if (r.outH() < 1 || r.outW() < 1) {
            String axis = r.outH() < 1 ? "height" : "width";
            throw impossible("output " + axis + " would be " + (r.outH() < 1 ? r.outH() : r.outW()),
                    "input", input, "pool", new int[] {window.kernelH(), window.kernelW()},
                    "stride", new int[] {window.strideH(), window.strideW()},
                    "padding", window.padding().describe(), "ceil_mode", window.ceilMode());
        }
        return Shape.chw(input.channels(), r.outH(), r.outW());
    }

    /**
     * Native: libnd4j pools NHWC data 3-5 times faster than NCHW (AlexNet's pool1 at batch 8 25 -> 4 ms, LeNet's at
     * batch 32 1.55 -> 0.29 ms, docs/benchmarks.md), so NHWC comes first; a padded window is pooled over a buffer of
     * the plan holding the padded input (NCHW), the average corrected to count only cells inside the input. Java:
     * NCHW, padding skipped in the loops.
     */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        Shape out = outputShape(input);
        Window.Resolved r = window.resolve(input.height(), input.width());
        Pool2d layer = this;
        return new BaseOp(out) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return switch (kernel) {
                    case NATIVE -> r.hasPadding() ? List.of(Layout.NCHW) : List.of(Layout.NHWC, Layout.NCHW);
                    case JAVA -> List.of(Layout.NCHW);
                    case VIEW -> List.of();
                };
            }

            /** NCHW pooling costs more than a layout copy plus NHWC pooling. */
            @Override
            public double layoutPenalty(Kernel kernel, int rank) {
                return kernel == Kernel.NATIVE ? 2.0 * rank : 0;
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                if (kernel == Kernel.JAVA) {
                    int planes = b.batch() * input.channels();
                    boolean max = kind == Kind.MAX;
                    return new Java((x, y) -> JavaKernels.pool(max, x, y, planes, input.height(), input.width(),
                            out.height(), out.width(), window.kernelH(), window.kernelW(), window.strideH(),
                            window.strideW(), r.top(), r.left()));
                }
                return layer.nativeStep(b, input, out, r);
            }
        };
    }

    private Op.Step nativeStep(Op.Bind b, Shape input, Shape out, Window.Resolved r) {
        boolean nhwc = b.layout() == Layout.NHWC;
        if (!r.hasPadding()) {
            return new Op.Native(new PreparedOp(op(b.in(), b.out(), configFor(nhwc))));
        }
        int bottom = r.bottom() + r.extraBottom();
        int right = r.right() + r.extraRight();
        INDArray padded = Nd4j.create(DataType.FLOAT, b.batch(), input.channels(),
                input.height() + r.top() + bottom, input.width() + r.left() + right);
        padded.assign(kind == Kind.MAX ? Double.NEGATIVE_INFINITY : 0.0);
        INDArray interior = padded.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(r.top(), r.top() + input.height()),
                NDArrayIndex.interval(r.left(), r.left() + input.width()));
        Runnable pool = new PreparedOp(op(padded, b.out(), configFor(false)));
        INDArray correction = kind == Kind.AVG ? divisorCorrection(input, out, r) : null;
        INDArray target = b.out();
        return new Op.Native(() -> {
            interior.assign(b.in());
            pool.run();
            if (correction != null) {
                target.muli(correction);
            }
        });
    }

    /** An unpadded window (padding is written into the input buffer). */
    private Pooling2DConfig configFor(boolean nhwc) {
        return Pooling2DConfig.builder()
                .kH(window.kernelH()).kW(window.kernelW())
                .sH(window.strideH()).sW(window.strideW())
                .pH(0).pW(0).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID)
                .type(kind == Kind.MAX ? Pooling2D.Pooling2DType.MAX : Pooling2D.Pooling2DType.AVG)
                .divisor(Pooling2D.Divisor.INCLUDE_PADDING)
                .isNHWC(nhwc)
                .build();
    }

    private org.nd4j.linalg.api.ops.DynamicCustomOp op(INDArray in, INDArray out, Pooling2DConfig config) {
        return kind == Kind.MAX
                ? new org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D(in, out, config)
                : new org.nd4j.linalg.api.ops.impl.layers.convolution.AvgPooling2D(in, out, config);
    }

    /**
     * {@code [1, 1, H_out, W_out]}: window area / number of window cells inside the input, which turns an
     * average over the zero-padded window into an average over the input cells only.
     */
    private INDArray divisorCorrection(Shape input, Shape out, Window.Resolved r) {
        float[] values = new float[out.height() * out.width()];
        int area = window.kernelH() * window.kernelW();
        for (int i = 0; i < out.height(); i++) {
            int rows = inside(i * window.strideH() - r.top(), window.kernelH(), input.height());
            for (int j = 0; j < out.width(); j++) {
                int cols = inside(j * window.strideW() - r.left(), window.kernelW(), input.width());
                values[i * out.width() + j] = rows * cols == 0 ? 0f : (float) area / (rows * cols);
            }
        }
        return Nd4j.create(values, new long[] {1, 1, out.height(), out.width()}, 'c');
    }

    private static int inside(int start, int length, int size) {
        return Math.max(0, Math.min(start + length, size) - Math.max(start, 0));
    }
}
