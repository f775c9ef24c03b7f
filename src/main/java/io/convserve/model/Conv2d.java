package io.convserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * 2-D convolution, PyTorch's {@code nn.Conv2d} with TensorFlow's {@code "same"} padding as an option.
 *
 * <p>Shape: input {@code [C_in, H, W]}, weight {@code [filters, C_in/groups, K_h, K_w]}, bias {@code [filters]},
 * output {@code [filters, H_out, W_out]} with H_out/W_out from {@link Window}.
 */
public final class Conv2d extends AbstractLayer {

    private final int filters;
    private final Window window;
    private final int groups;
    private final boolean bias;
    private final Activation activation;

    public Conv2d(int index, String name, int filters, Window window, int groups, boolean bias, Activation activation) {
        super(index, name);
        this.filters = filters;
        this.window = window;
        this.groups = groups;
        this.bias = bias;
        this.activation = activation;
    }

    static Conv2d from(LayerConfig c) {
        int filters = c.requiredInt("filters");
        int[] kernel = c.pair("kernel", null);
        int[] stride = c.pair("stride", new int[] {1, 1});
        Padding padding = c.padding("padding", true);
        int[] dilation = c.pair("dilation", new int[] {1, 1});
        int groups = c.positiveInt("groups", 1);
        boolean bias = c.bool("bias", true);
        Activation activation = c.activation("activation");
        c.finish();
        if (filters % groups != 0) {
            throw c.error("filters must be divisible by groups. Received: filters=" + filters + ", groups=" + groups);
        }
        Window w = new Window(kernel[0], kernel[1], stride[0], stride[1], dilation[0], dilation[1], padding, false);
        return new Conv2d(c.index(), c.name(), filters, w, groups, bias, activation);
    }

    @Override
    public String type() {
        return "conv2d";
    }

    @Override
    public Map<String, Object> config() {
        return config("filters", filters, "kernel", List.of(window.kernelH(), window.kernelW()),
                "stride", List.of(window.strideH(), window.strideW()), "padding", window.padding().describe(),
                "dilation", List.of(window.dilationH(), window.dilationW()), "groups", groups, "bias", bias,
                "activation", activation.id());
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        if (input.channels() % groups != 0) {
            throw impossible("input channels must be divisible by groups", "input", input, "groups", groups);
        }
        Window.Resolved r = window.resolve(input.height(), input.width());
        if (r.outH() < 1 || r.outW() < 1) {
            String axis = r.outH() < 1 ? "height" : "width";
            throw impossible("output " + axis + " would be " + (r.outH() < 1 ? r.outH() : r.outW()), describe(input));
        }
        return Shape.chw(filters, r.outH(), r.outW());
    }

    Object[] describe(Shape input) {
        List<Object> kv = new ArrayList<>(List.of("input", input,
                "kernel", new int[] {window.kernelH(), window.kernelW()},
                "stride", new int[] {window.strideH(), window.strideW()},
                "padding", window.padding().describe()));
        if (window.dilationH() != 1 || window.dilationW() != 1) {
            kv.addAll(List.of("dilation", new int[] {window.dilationH(), window.dilationW()}));
        }
        return kv.toArray();
    }

    @Override
    public List<ParameterSpec> parameters(Shape input) {
        outputShape(input);
        ParameterSpec weight = new ParameterSpec("weight",
                new Shape(filters, input.channels() / groups, window.kernelH(), window.kernelW()), true);
        return bias ? List.of(weight, new ParameterSpec("bias", new Shape(filters), true)) : List.of(weight);
    }

    @Override
    public long macs(Shape input) {
        Shape out = outputShape(input);
        return product(filters, out.height(), out.width(), input.channels() / groups, window.kernelH(),
                window.kernelW());
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        Window.Resolved r = window.resolve(input.height(), input.width());
        boolean symmetric = r.top() == r.bottom() && r.left() == r.right();
        // oneDNN rejects dilated convolutions in libnd4j M2.1: run them as an undilated conv with a spread kernel
        Window undilated = new Window(window.effectiveKernelH(), window.effectiveKernelW(), window.strideH(),
                window.strideW(), 1, 1, window.padding(), false);
        Conv2DConfig config = Tensors.conv(undilated, symmetric ? r.top() : 0, symmetric ? r.left() : 0);
        INDArray weight = Tensors.dilateKernel(params.get("weight"), window.dilationH(), window.dilationW());
        INDArray b = bias ? params.get("bias") : null;
        int inPerGroup = input.channels() / groups;
        int outPerGroup = filters / groups;
        INDArray[] groupWeights = new INDArray[groups];
        INDArray[] groupBias = new INDArray[groups];
        for (int g = 0; g < groups; g++) {
            groupWeights[g] = groups == 1 ? weight
                    : weight.get(NDArrayIndex.interval(g * outPerGroup, (g + 1) * outPerGroup)).dup();
            groupBias[g] = b == null || groups == 1 ? b
                    : b.get(NDArrayIndex.interval(g * outPerGroup, (g + 1) * outPerGroup)).dup();
        }
        return x -> {
            // x is [N, C_in, H, W]
            INDArray in = symmetric ? x : Tensors.padSpatial(x, r.top(), r.bottom(), r.left(), r.right(), 0.0);
            INDArray out;
            if (groups == 1) {
                out = conv(in, weight, b, config);
            } else {
                INDArray[] parts = new INDArray[groups];
                for (int g = 0; g < groups; g++) {
                    INDArray slice = in.get(NDArrayIndex.all(),
                            NDArrayIndex.interval(g * inPerGroup, (g + 1) * inPerGroup)).dup();
                    parts[g] = conv(slice, groupWeights[g], groupBias[g], config);
                }
                out = Nd4j.concat(1, parts);
            }
            // out is [N, filters, H_out, W_out]
            return activation.apply(out, Activation.DEFAULT_LEAKY_ALPHA, true);
        };
    }

    /**
     * One conv2d op object writing into the plan's buffer, bias included, then the activation in place; grouped,
     * dilated and asymmetrically padded convolutions keep their unplanned form.
     */
    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in) {
        return plan(input, params, in, null);
    }

    /**
     * As {@link #plan(Shape, Map, INDArray)}; when the input is at hand in NHWC (the previous step's NHWC buffer, or a
     * one-channel input, whose NCHW and NHWC layouts are the same memory) the convolution runs in NHWC and leaves
     * its result in NHWC for a following pool, LRN or convolution, sparing their layout copies (oneDNN convolves
     * NHWC as fast as NCHW; libnd4j pools it several times faster). Not with softmax, which is over channels.
     */
    @Override
    public ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in, INDArray inNhwc) {
        Shape out = outputShape(input);
        Window.Resolved r = window.resolve(input.height(), input.width());
        if (groups != 1 || window.dilationH() != 1 || window.dilationW() != 1 || r.top() != r.bottom()
                || r.left() != r.right()) {
            return null;
        }
        org.nd4j.linalg.api.buffer.DataType f = org.nd4j.linalg.api.buffer.DataType.FLOAT;
        long n = in.size(0);
        INDArray output = Nd4j.create(f, out.withBatch(n));
        INDArray source = inNhwc;
        if (source == null && input.channels() == 1 && !in.isView() && in.ordering() == 'c') {
            source = in.reshape('c', n, input.height(), input.width(), 1);
        }
        boolean nhwc = source != null && activation != Activation.SOFTMAX;
        INDArray result = nhwc ? Nd4j.create(f, n, out.height(), out.width(), out.channels()) : output;
        INDArray x = nhwc ? source : in;
        INDArray[] inputs = bias ? new INDArray[] {x, params.get("weight"), params.get("bias")}
                : new INDArray[] {x, params.get("weight")};
        Runnable conv = new PreparedOp(new org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D(inputs,
                new INDArray[] {result}, Tensors.conv(window, r.top(), r.left(), nhwc)));
        Runnable act = activation.inPlace(result, Activation.DEFAULT_LEAKY_ALPHA);
        Runnable run = () -> {
            conv.run();
            act.run();
        };
        if (!nhwc) {
            return new ExecutionPlan.Step(output, run);
        }
        INDArray resultAsNchw = result.permute(0, 3, 1, 2);
        ExecutionPlan.Step step = new ExecutionPlan.Step(output, run, result, () -> output.assign(resultAsNchw), false);
        return inNhwc != null ? step.readingNhwc() : step;
    }

    private static INDArray conv(INDArray x, INDArray w, INDArray b, Conv2DConfig config) {
        return b == null ? Nd4j.cnn().conv2d(x, w, config) : Nd4j.cnn().conv2d(x, w, b, config);
    }
}
