package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Depthwise convolution: each input channel convolved with {@code depth_multiplier} kernels of its own,
 * PyTorch's {@code Conv2d(groups=C_in)} and Keras' {@code DepthwiseConv2D}.
 *
 * <p>Shape: input {@code [C, H, W]}, weight {@code [C*M, 1, K_h, K_w]} (output channel {@code c*M + m}),
 * bias {@code [C*M]}, output {@code [C*M, H_out, W_out]}.
 */
public final class DepthwiseConv2d extends AbstractLayer {

    private final Window window;
    private final int depthMultiplier;
    private final boolean bias;
    private final Activation activation;

    public DepthwiseConv2d(int index, String name, Window window, int depthMultiplier, boolean bias,
                           Activation activation) {
        super(index, name);
        this.window = window;
        this.depthMultiplier = depthMultiplier;
        this.bias = bias;
        this.activation = activation;
    }

    static DepthwiseConv2d from(LayerConfig c) {
        int[] kernel = c.pair("kernel", null);
        int[] stride = c.pair("stride", new int[] {1, 1});
        Padding padding = c.padding("padding", true);
        int[] dilation = c.pair("dilation", new int[] {1, 1});
        int multiplier = c.positiveInt("depth_multiplier", 1);
        boolean bias = c.bool("bias", true);
        Activation activation = c.activation("activation");
        c.finish();
        Window w = new Window(kernel[0], kernel[1], stride[0], stride[1], dilation[0], dilation[1], padding, false);
        return new DepthwiseConv2d(c.index(), c.name(), w, multiplier, bias, activation);
    }

    @Override
    public String type() {
        return "depthwise_conv2d";
    }

    @Override
    public Map<String, Object> config() {
        return config("kernel", List.of(window.kernelH(), window.kernelW()),
                "stride", List.of(window.strideH(), window.strideW()), "padding", window.padding().describe(),
                "dilation", List.of(window.dilationH(), window.dilationW()), "depth_multiplier", depthMultiplier,
                "bias", bias, "activation", activation.id());
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        Window.Resolved r = window.resolve(input.height(), input.width());
        if (r.outH() < 1 || r.outW() < 1) {
            String axis = r.outH() < 1 ? "height" : "width";
            throw impossible("output " + axis + " would be " + (r.outH() < 1 ? r.outH() : r.outW()),
                    "input", input, "kernel", new int[] {window.kernelH(), window.kernelW()},
                    "stride", new int[] {window.strideH(), window.strideW()},
                    "padding", window.padding().describe(),
                    "dilation", new int[] {window.dilationH(), window.dilationW()});
        }
        return Shape.chw(input.channels() * depthMultiplier, r.outH(), r.outW());
    }

    @Override
    public List<ParameterSpec> parameters(Shape input) {
        outputShape(input);
        int out = input.channels() * depthMultiplier;
        ParameterSpec weight = new ParameterSpec("weight", new Shape(out, 1, window.kernelH(), window.kernelW()), true);
        return bias ? List.of(weight, new ParameterSpec("bias", new Shape(out), true)) : List.of(weight);
    }

    @Override
    public long macs(Shape input) {
        Shape out = outputShape(input);
        return product(out.channels(), out.height(), out.width(), window.kernelH(), window.kernelW());
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        Window.Resolved r = window.resolve(input.height(), input.width());
        boolean symmetric = r.top() == r.bottom() && r.left() == r.right();
        Window undilated = new Window(window.effectiveKernelH(), window.effectiveKernelW(), window.strideH(),
                window.strideW(), 1, 1, window.padding(), false);
        Conv2DConfig config = Tensors.conv(undilated, symmetric ? r.top() : 0, symmetric ? r.left() : 0,
                WeightsFormat.YXIO);
        int c = input.channels();
        // [C*M, 1, kH, kW] (dilation spread into the kernel) -> [C, M, kH', kW'] -> ND4J's layout [kH', kW', C, M]
        INDArray weight = Tensors.dilateKernel(params.get("weight"), window.dilationH(), window.dilationW())
                .reshape(c, depthMultiplier, window.effectiveKernelH(), window.effectiveKernelW())
                .permute(2, 3, 0, 1).dup('c');
        INDArray b = bias ? params.get("bias") : null;
        return x -> {
            INDArray in = symmetric ? x : Tensors.padSpatial(x, r.top(), r.bottom(), r.left(), r.right(), 0.0);
            INDArray out = b == null ? Nd4j.cnn().depthWiseConv2d(in, weight, config)
                    : Nd4j.cnn().depthWiseConv2d(in, weight, b, config);
            return activation.apply(out, Activation.DEFAULT_LEAKY_ALPHA, true);
        };
    }
}
