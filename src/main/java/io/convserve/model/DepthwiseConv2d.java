package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    /** A grouped convolution with one input channel per group: output channel {@code c*M + m} reads channel c. */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        return new ConvOp(input, outputShape(input), window, input.channels(), true, params.get("weight"),
                bias ? params.get("bias") : null, activation);
    }
}
