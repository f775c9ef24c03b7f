package io.convserve.model;

import java.util.List;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2D;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Convolution + bias + activation as one step, for {@link Conv2d} and {@link DepthwiseConv2d} (a grouped
 * convolution with one input channel per group). Weight {@code [f, c/groups, kH, kW]} (OIYX).
 *
 * <p>Native: one {@code conv2d} op (oneDNN), NCHW or NHWC alike, when the convolution is ungrouped, undilated and
 * symmetrically padded; otherwise NCHW with the padding written into a buffer of the plan, dilation spread into the
 * kernel (oneDNN rejects dilated convolutions in libnd4j M2.1) and groups run one by one ({@code depthwise_conv2d}
 * for depthwise layers).
 */
final class ConvOp extends BaseOp {

    private final Shape input;
    private final Window window;
    private final Window.Resolved r;
    private final int groups;
    private final boolean depthwise;
    private final INDArray weight;
    private final INDArray bias;

    ConvOp(Shape input, Shape output, Window window, int groups, boolean depthwise, INDArray weight, INDArray bias,
           Activation activation) {
        super(output, activation);
        this.input = input;
        this.window = window;
        this.r = window.resolve(input.height(), input.width());
        this.groups = groups;
        this.depthwise = depthwise;
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    public long macs() {
        Shape out = outputShape();
        return (long) out.channels() * out.height() * out.width() * (input.channels() / groups)
                * window.kernelH() * window.kernelW();
    }

    @Override
    public boolean addsBias() {
        return bias != null;
    }

    @Override
    public Work work() {
        return Work.CONVOLUTION;
    }

    private boolean plain() {
        return groups == 1 && window.dilationH() == 1 && window.dilationW() == 1 && r.top() == r.bottom()
                && r.left() == r.right();
    }

    @Override
    public List<Layout> layouts(Kernel kernel) {
        return switch (kernel) {
            case NATIVE -> plain() ? List.of(Layout.NCHW, Layout.NHWC) : List.of(Layout.NCHW);
            case JAVA -> List.of(Layout.NCHW);
            case VIEW -> List.of();
        };
    }

    @Override
    public Step step(Kernel kernel, Bind b) {
        return kernel == Kernel.JAVA ? java(b) : nativeStep(b);
    }

    private Step java(Bind b) {
        JavaKernels.ConvShape s = new JavaKernels.ConvShape(input.channels(), input.height(), input.width(),
                outputShape().channels(), groups, window.kernelH(), window.kernelW(), window.strideH(),
                window.strideW(), window.dilationH(), window.dilationW(), r.top(), r.left(), outputShape().height(),
                outputShape().width());
        float[] w = weight.dup('c').data().asFloat();
        float[] bv = bias == null ? null : bias.dup('c').data().asFloat();
        float[][] scratch = JavaKernels.convScratch(s);
        Activation act = b.activation();
        double alpha = b.alpha();
        int batch = b.batch();
        return new Java((in, out) -> JavaKernels.conv(s, in, w, bv, out, batch, act, alpha, scratch));
    }

    private Step nativeStep(Bind b) {
        Runnable act = b.activation().inPlace(b.out(), b.alpha(), b.layout());
        // a depthwise layer on one channel is a plain convolution (weights [M, 1, kH, kW]); plain() admits it to
        // both layouts, and libnd4j's depthwise kernel would read NCHW only
        Runnable conv = plain() ? plain(b) : depthwise ? depthwise(b) : grouped(b);
        return new Native(() -> {
            conv.run();
            act.run();
        });
    }

    private INDArray[] inputs(INDArray x, INDArray w, INDArray bv) {
        return bv == null ? new INDArray[] {x, w} : new INDArray[] {x, w, bv};
    }

    private Runnable plain(Bind b) {
        return new PreparedOp(new Conv2D(inputs(b.in(), weight, bias), new INDArray[] {b.out()},
                Tensors.conv(window, r.top(), r.left(), b.layout() == Layout.NHWC)));
    }

    /** The input copied into a zero-padded buffer of the plan, when the padding is asymmetric; else the input. */
    private record Padded(INDArray array, Runnable fill, int padH, int padW) {
    }

    private Padded padded(INDArray in) {
        if (r.top() == r.bottom() && r.left() == r.right()) {
            return new Padded(in, () -> { }, r.top(), r.left());
        }
        INDArray p = Nd4j.zeros(DataType.FLOAT, in.size(0), in.size(1), input.height() + r.top() + r.bottom(),
                input.width() + r.left() + r.right());
        INDArray interior = p.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(r.top(), r.top() + input.height()),
                NDArrayIndex.interval(r.left(), r.left() + input.width()));
        return new Padded(p, () -> interior.assign(in), 0, 0);
    }

    private Window undilated() {
        return new Window(window.effectiveKernelH(), window.effectiveKernelW(), window.strideH(), window.strideW(),
                1, 1, window.padding(), false);
    }

    private Runnable grouped(Bind b) {
        Padded p = padded(b.in());
        INDArray w = Tensors.dilateKernel(weight, window.dilationH(), window.dilationW());
        int inPerGroup = input.channels() / groups;
        int outPerGroup = outputShape().channels() / groups;
        Runnable[] parts = new Runnable[groups];
        for (int g = 0; g < groups; g++) {
            INDArray slice = p.array().get(NDArrayIndex.all(),
                    NDArrayIndex.interval(g * inPerGroup, (g + 1) * inPerGroup));
            INDArray target = b.out().get(NDArrayIndex.all(),
                    NDArrayIndex.interval(g * outPerGroup, (g + 1) * outPerGroup));
            boolean whole = groups == 1;
            INDArray x = whole ? p.array() : Nd4j.create(DataType.FLOAT, slice.shape());
            INDArray y = whole ? b.out() : Nd4j.create(DataType.FLOAT, target.shape());
            INDArray gw = whole ? w : w.get(NDArrayIndex.interval(g * outPerGroup, (g + 1) * outPerGroup)).dup();
            INDArray gb = bias == null ? null : whole ? bias
                    : bias.get(NDArrayIndex.interval(g * outPerGroup, (g + 1) * outPerGroup)).dup();
            Runnable op = new PreparedOp(new Conv2D(inputs(x, gw, gb), new INDArray[] {y},
                    Tensors.conv(undilated(), p.padH(), p.padW())));
            parts[g] = whole ? op : () -> {
                x.assign(slice);
                op.run();
                target.assign(y);
            };
        }
        return () -> {
            p.fill().run();
            for (Runnable part : parts) {
                part.run();
            }
        };
    }

    private Runnable depthwise(Bind b) {
        Padded p = padded(b.in());
        int c = input.channels();
        int m = outputShape().channels() / c;
        // [C*M, 1, kH', kW'] (dilation spread into the kernel) -> [C, M, kH', kW'] -> libnd4j's [kH', kW', C, M]
        INDArray w = Tensors.dilateKernel(weight, window.dilationH(), window.dilationW())
                .reshape(c, m, window.effectiveKernelH(), window.effectiveKernelW()).permute(2, 3, 0, 1).dup('c');
        Runnable op = new PreparedOp(new DepthwiseConv2D(inputs(p.array(), w, bias), new INDArray[] {b.out()},
                Tensors.conv(undilated(), p.padH(), p.padW(), WeightsFormat.YXIO)));
        return () -> {
            p.fill().run();
            op.run();
        };
    }
}
