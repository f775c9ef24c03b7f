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
     * The activation applied in place to a plan's buffer in {@code layout}, its op object built once where ND4J
     * allows (relu, softmax over the last axis); the others run the in-place path of {@link #apply}. Softmax over
     * the channels is one op in NHWC and on flat vectors, a chain of broadcasts in NCHW.
     */
    Runnable inPlace(INDArray x, double alpha, Layout layout) {
        return switch (this) {
            case NONE -> () -> { };
            case RELU -> {
                org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear op =
                        new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(x, x, 0.0);
                yield () -> Nd4j.exec(op);
            }
            case SOFTMAX -> {
                if (layout == Layout.NCHW) {
                    yield () -> softmaxAxis1(x, true);
                }
                INDArray rows = x.reshape('c', x.length() / x.size(x.rank() - 1), x.size(x.rank() - 1));
                yield new PreparedOp(new SoftMax(rows, rows, 1));
            }
            default -> () -> apply(x, alpha, true);
        };
    }

    /**
     * The activation in place on a heap array of {@code batch} examples in {@code layout} (NCHW or flat), with
     * {@code channels} the axis softmax runs over and {@code pixels} the positions per channel (1 when flat).
     */
    void applyJava(float[] x, int batch, int channels, int pixels, double alpha) {
        int n = batch * channels * pixels;
        switch (this) {
            case NONE -> { }
            case RELU -> {
                // a compare and select, which C2 vectorises; Math.max(float) also orders -0.0 and 0.0 and does not
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] < 0f ? 0f : x[i];
                }
            }
            case LEAKY_RELU -> {
                float a = (float) alpha;
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] < 0f ? x[i] * a : x[i];
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    x[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
                }
            }
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    x[i] = (float) Math.tanh(x[i]);
                }
            }
            case SOFTMAX -> {
                for (int b = 0; b < batch; b++) {
                    for (int p = 0; p < pixels; p++) {
                        int base = b * channels * pixels + p;
                        float max = Float.NEGATIVE_INFINITY;
                        for (int c = 0; c < channels; c++) {
                            max = Math.max(max, x[base + c * pixels]);
                        }
                        double sum = 0;
                        for (int c = 0; c < channels; c++) {
                            float e = (float) Math.exp(x[base + c * pixels] - max);
                            x[base + c * pixels] = e;
                            sum += e;
                        }
                        float inv = (float) (1.0 / sum);
                        for (int c = 0; c < channels; c++) {
                            x[base + c * pixels] *= inv;
                        }
                    }
                }
            }
        }
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
