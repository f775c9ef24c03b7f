package io.convserve.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Element-wise activations; softmax runs over axis 1 (channels of NCHW, features of {@code [N, F]}). */
public enum Activation {
    NONE("none"),
    RELU("relu"),
    LEAKY_RELU("leaky_relu"),
    SIGMOID("sigmoid"),
    TANH("tanh"),
    SOFTMAX("softmax");

    /** PyTorch's default negative slope, used when {@code leaky_relu} is a layer's {@code activation}. */
    public static final double DEFAULT_LEAKY_ALPHA = 0.01;

    private final String id;

    Activation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Activation fromId(String id) {
        for (Activation a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        return null;
    }

    /**
     * Softmax over axis 1. libnd4j's softmax op is right over the last axis only, so a feature map
     * {@code [N, C, H, W]} is normalised with broadcast max, exp and sum over the channels.
     */
    private static INDArray softmaxAxis1(INDArray x, boolean inPlace) {
        if (x.rank() == 2) {
            INDArray out = inPlace ? x : x.ulike();
            Nd4j.exec(new SoftMax(x, out, 1));
            return out;
        }
        INDArray shifted = inPlace ? x.subi(x.max(true, 1)) : x.sub(x.max(true, 1));
        INDArray e = Transforms.exp(shifted, false);
        return e.divi(e.sum(true, 1));
    }

    /**
     * The activation applied in place to a plan's buffer, its op object built once where ND4J allows (relu,
     * softmax of {@code [N, F]}); the others run the in-place path of {@link #apply}.
     */
    Runnable inPlace(INDArray x, double alpha) {
        return switch (this) {
            case NONE -> () -> { };
            case RELU -> {
                org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear op =
                        new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(x, x, 0.0);
                yield () -> Nd4j.exec(op);
            }
            case SOFTMAX -> {
                if (x.rank() == 2) {
                    yield new PreparedOp(new SoftMax(x, x, 1));
                }
                yield () -> softmaxAxis1(x, true);
            }
            default -> () -> apply(x, alpha, true);
        };
    }

    /** Applies the activation; {@code inPlace} overwrites {@code x} where the op allows it. */
    public INDArray apply(INDArray x, double alpha, boolean inPlace) {
        return switch (this) {
            case NONE -> x;
            case RELU -> Transforms.relu(x, !inPlace);
            case LEAKY_RELU -> Transforms.leakyRelu(x, alpha, !inPlace);
            case SIGMOID -> Transforms.sigmoid(x, !inPlace);
            case TANH -> Transforms.tanh(x, !inPlace);
            case SOFTMAX -> softmaxAxis1(x, inPlace);
        };
    }
}
