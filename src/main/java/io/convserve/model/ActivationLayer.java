package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A standalone activation: {@code relu}, {@code leaky_relu} ({@code alpha}), {@code sigmoid}, {@code tanh}, {@code softmax}. */
public final class ActivationLayer extends AbstractLayer {

    private final Activation activation;
    private final double alpha;

    public ActivationLayer(int index, String name, Activation activation, double alpha) {
        super(index, name);
        this.activation = activation;
        this.alpha = alpha;
    }

    static ActivationLayer from(LayerConfig c, Activation activation) {
        double alpha = activation == Activation.LEAKY_RELU
                ? c.number("alpha", Activation.DEFAULT_LEAKY_ALPHA) : Activation.DEFAULT_LEAKY_ALPHA;
        c.finish();
        return new ActivationLayer(c.index(), c.name(), activation, alpha);
    }

    @Override
    public String type() {
        return activation.id();
    }

    @Override
    public Map<String, Object> config() {
        return activation == Activation.LEAKY_RELU ? config("alpha", alpha) : Map.of();
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    /** In place on any layout; Java on NCHW and flat vectors (where the data is already on the heap). */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        return new BaseOp(input) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return switch (kernel) {
                    case NATIVE -> input.isImage() ? List.of(Layout.NCHW, Layout.NHWC) : List.of(Layout.FLAT);
                    case JAVA -> List.of(Layout.natural(input));
                    case VIEW -> List.of();
                };
            }

            @Override
            public boolean inPlace() {
                return true;
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                if (kernel == Kernel.JAVA) {
                    int channels = input.dim(0);
                    int pixels = Math.toIntExact(input.elements() / channels);
                    int batch = b.batch();
                    return new Java((x, y) -> activation.applyJava(y, batch, channels, pixels, alpha));
                }
                return new Native(activation.inPlace(b.out(), alpha, b.layout()));
            }
        };
    }

    Activation activation() {
        return activation;
    }

    /** The leaky relu slope (the default one for other activations). */
    double alpha() {
        return alpha;
    }
}
