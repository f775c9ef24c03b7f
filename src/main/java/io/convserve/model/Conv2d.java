package io.convserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

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
    public Op op(Shape input, Map<String, INDArray> params) {
        return new ConvOp(input, outputShape(input), window, groups, false, params.get("weight"),
                bias ? params.get("bias") : null, activation);
    }
}
