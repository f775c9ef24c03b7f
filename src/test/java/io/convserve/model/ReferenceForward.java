package io.convserve.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A forward pass written for clarity, not speed: every layer from its {@link Layer#config()} (the model.json
 * fields) and its weights, in double precision with one loop nest per output element, NCHW throughout. Only
 * {@link Window} is shared with the engine (output sizes and "same" padding), and {@link WindowTest} checks it
 * against PyTorch's and TensorFlow's rules. What the planned pass is compared with in
 * {@link PlannedForwardPropertyTest}.
 */
final class ReferenceForward {

    /** A batch: {@code data} row-major {@code [n, ...shape]}. */
    record Tensor(int n, Shape shape, double[] data) {
        int c() {
            return shape.dim(0);
        }

        int h() {
            return shape.dim(1);
        }

        int w() {
            return shape.dim(2);
        }

        double at(int b, int c, int y, int x) {
            return data[((b * c() + c) * h() + y) * w() + x];
        }
    }

    private ReferenceForward() {
    }

    /** Every layer's output, by layer name, in order. */
    static Map<String, Tensor> run(Architecture architecture, Map<String, INDArray> weights, Tensor input) {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        Tensor x = input;
        for (Layer layer : architecture.layers()) {
            x = layer(layer, weights, x);
            outputs.put(layer.name(), x);
        }
        return outputs;
    }

    private static double[] weights(Map<String, INDArray> weights, Layer layer, String name) {
        INDArray a = weights.get(layer.name() + "." + name);
        return a == null ? null : a.dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble();
    }

    @SuppressWarnings("unchecked")
    private static int[] pair(Object value) {
        List<Number> list = (List<Number>) value;
        return new int[] {list.get(0).intValue(), list.get(1).intValue()};
    }

    @SuppressWarnings("unchecked")
    private static Padding padding(Object value) {
        if ("same".equals(value)) {
            return new Padding.Same();
        }
        if ("valid".equals(value)) {
            return new Padding.Valid();
        }
        List<Number> p = (List<Number>) value;
        return p.size() == 2 ? new Padding.Explicit(p.get(0).intValue(), p.get(0).intValue(), p.get(1).intValue(),
                p.get(1).intValue()) : new Padding.Explicit(p.get(0).intValue(), p.get(1).intValue(),
                p.get(2).intValue(), p.get(3).intValue());
    }

    private static Tensor layer(Layer layer, Map<String, INDArray> weights, Tensor x) {
        Map<String, Object> c = layer.config();
        return switch (layer.type()) {
            case "conv2d" -> activation(String.valueOf(c.get("activation")), 0.01,
                    conv(x, ((Number) c.get("filters")).intValue(), pair(c.get("kernel")), pair(c.get("stride")),
                            padding(c.get("padding")), pair(c.get("dilation")), ((Number) c.get("groups")).intValue(),
                            weights(weights, layer, "weight"), weights(weights, layer, "bias")));
            case "depthwise_conv2d" -> activation(String.valueOf(c.get("activation")), 0.01,
                    conv(x, x.c() * ((Number) c.get("depth_multiplier")).intValue(), pair(c.get("kernel")),
                            pair(c.get("stride")), padding(c.get("padding")), pair(c.get("dilation")), x.c(),
                            weights(weights, layer, "weight"), weights(weights, layer, "bias")));
            case "max_pool2d", "avg_pool2d" -> pool(x, layer.type().startsWith("max"), pair(c.get("pool")),
                    pair(c.get("stride")), padding(c.get("padding")), (Boolean) c.get("ceil_mode"));
            case "adaptive_avg_pool2d" -> adaptive(x, pair(c.get("output_size")));
            case "global_avg_pool2d", "global_max_pool2d" -> global(x, layer.type().contains("max"));
            case "zero_pad2d" -> {
                int[] p = ((List<?>) c.get("padding")).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
                yield pad(x, p[0], p[1], p[2], p[3]);
            }
            case "batch_norm" -> batchNorm(x, ((Number) c.get("epsilon")).doubleValue(),
                    weights(weights, layer, "gamma"), weights(weights, layer, "beta"),
                    weights(weights, layer, "moving_mean"), weights(weights, layer, "moving_variance"));
            case "local_response_norm" -> lrn(x, ((Number) c.get("size")).intValue(),
                    ((Number) c.get("alpha")).doubleValue(), ((Number) c.get("beta")).doubleValue(),
                    ((Number) c.get("k")).doubleValue());
            case "flatten" -> new Tensor(x.n(), Shape.flat(x.shape().elements()), x.data());
            case "dense" -> activation(String.valueOf(c.get("activation")), 0.01,
                    dense(x, ((Number) c.get("units")).intValue(), weights(weights, layer, "weight"),
                            weights(weights, layer, "bias")));
            case "dropout" -> x;
            case "leaky_relu" -> activation("leaky_relu", ((Number) c.get("alpha")).doubleValue(), x);
            default -> activation(layer.type(), 0.01, x);
        };
    }

    private static Tensor conv(Tensor x, int filters, int[] k, int[] s, Padding padding, int[] d, int groups,
                               double[] weight, double[] bias) {
        Window window = new Window(k[0], k[1], s[0], s[1], d[0], d[1], padding, false);
        Window.Resolved r = window.resolve(x.h(), x.w());
        int inPerGroup = x.c() / groups;
        int outPerGroup = filters / groups;
        double[] out = new double[x.n() * filters * r.outH() * r.outW()];
        int i = 0;
        for (int b = 0; b < x.n(); b++) {
            for (int o = 0; o < filters; o++) {
                int g = o / outPerGroup;
                for (int oy = 0; oy < r.outH(); oy++) {
                    for (int ox = 0; ox < r.outW(); ox++) {
                        double sum = bias == null ? 0 : bias[o];
                        for (int ci = 0; ci < inPerGroup; ci++) {
                            for (int ky = 0; ky < k[0]; ky++) {
                                for (int kx = 0; kx < k[1]; kx++) {
                                    int y = oy * s[0] - r.top() + ky * d[0];
                                    int xx = ox * s[1] - r.left() + kx * d[1];
                                    if (y >= 0 && y < x.h() && xx >= 0 && xx < x.w()) {
                                        sum += weight[((o * inPerGroup + ci) * k[0] + ky) * k[1] + kx]
                                                * x.at(b, g * inPerGroup + ci, y, xx);
                                    }
                                }
                            }
                        }
                        out[i++] = sum;
                    }
                }
            }
        }
        return new Tensor(x.n(), Shape.chw(filters, r.outH(), r.outW()), out);
    }

    /** Cells outside the input never count: max over the cells inside, average divided by their number. */
    private static Tensor pool(Tensor x, boolean max, int[] k, int[] s, Padding padding, boolean ceil) {
        Window window = new Window(k[0], k[1], s[0], s[1], 1, 1, padding, ceil);
        Window.Resolved r = window.resolve(x.h(), x.w());
        double[] out = new double[x.n() * x.c() * r.outH() * r.outW()];
        int i = 0;
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                for (int oy = 0; oy < r.outH(); oy++) {
                    for (int ox = 0; ox < r.outW(); ox++) {
                        double v = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int ky = 0; ky < k[0]; ky++) {
                            for (int kx = 0; kx < k[1]; kx++) {
                                int y = oy * s[0] - r.top() + ky;
                                int xx = ox * s[1] - r.left() + kx;
                                if (y >= 0 && y < x.h() && xx >= 0 && xx < x.w()) {
                                    v = max ? Math.max(v, x.at(b, c, y, xx)) : v + x.at(b, c, y, xx);
                                    count++;
                                }
                            }
                        }
                        out[i++] = max ? v : v / count;
                    }
                }
            }
        }
        return new Tensor(x.n(), Shape.chw(x.c(), r.outH(), r.outW()), out);
    }

    private static Tensor adaptive(Tensor x, int[] size) {
        double[] out = new double[x.n() * x.c() * size[0] * size[1]];
        int i = 0;
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                for (int oy = 0; oy < size[0]; oy++) {
                    int y0 = (int) Math.floor((double) oy * x.h() / size[0]);
                    int y1 = (int) Math.ceil((double) (oy + 1) * x.h() / size[0]);
                    for (int ox = 0; ox < size[1]; ox++) {
                        int x0 = (int) Math.floor((double) ox * x.w() / size[1]);
                        int x1 = (int) Math.ceil((double) (ox + 1) * x.w() / size[1]);
                        double sum = 0;
                        for (int y = y0; y < y1; y++) {
                            for (int xx = x0; xx < x1; xx++) {
                                sum += x.at(b, c, y, xx);
                            }
                        }
                        out[i++] = sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        }
        return new Tensor(x.n(), Shape.chw(x.c(), size[0], size[1]), out);
    }

    private static Tensor global(Tensor x, boolean max) {
        double[] out = new double[x.n() * x.c()];
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                double v = max ? Double.NEGATIVE_INFINITY : 0;
                for (int y = 0; y < x.h(); y++) {
                    for (int xx = 0; xx < x.w(); xx++) {
                        v = max ? Math.max(v, x.at(b, c, y, xx)) : v + x.at(b, c, y, xx);
                    }
                }
                out[b * x.c() + c] = max ? v : v / (x.h() * x.w());
            }
        }
        return new Tensor(x.n(), new Shape(x.c()), out);
    }

    private static Tensor pad(Tensor x, int top, int bottom, int left, int right) {
        int h = x.h() + top + bottom;
        int w = x.w() + left + right;
        double[] out = new double[x.n() * x.c() * h * w];
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                for (int y = 0; y < x.h(); y++) {
                    for (int xx = 0; xx < x.w(); xx++) {
                        out[((b * x.c() + c) * h + y + top) * w + xx + left] = x.at(b, c, y, xx);
                    }
                }
            }
        }
        return new Tensor(x.n(), Shape.chw(x.c(), h, w), out);
    }

    private static Tensor batchNorm(Tensor x, double eps, double[] gamma, double[] beta, double[] mean,
                                    double[] variance) {
        int channels = x.shape().dim(0);
        int per = (int) (x.shape().elements() / channels);
        double[] out = new double[x.data().length];
        for (int i = 0; i < out.length; i++) {
            int c = (i / per) % channels;
            out[i] = gamma[c] * (x.data()[i] - mean[c]) / Math.sqrt(variance[c] + eps) + beta[c];
        }
        return new Tensor(x.n(), x.shape(), out);
    }

    /** PyTorch's LocalResponseNorm: the window runs from c - size/2 to c + (size-1)/2, alpha divided by size. */
    private static Tensor lrn(Tensor x, int size, double alpha, double beta, double k) {
        double[] out = new double[x.data().length];
        int i = 0;
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                for (int y = 0; y < x.h(); y++) {
                    for (int xx = 0; xx < x.w(); xx++) {
                        double sum = 0;
                        for (int j = c - size / 2; j <= c + (size - 1) / 2; j++) {
                            if (j >= 0 && j < x.c()) {
                                sum += x.at(b, j, y, xx) * x.at(b, j, y, xx);
                            }
                        }
                        out[i++] = x.at(b, c, y, xx) / Math.pow(k + alpha / size * sum, beta);
                    }
                }
            }
        }
        return new Tensor(x.n(), x.shape(), out);
    }

    private static Tensor dense(Tensor x, int units, double[] weight, double[] bias) {
        int in = x.shape().dim(0);
        double[] out = new double[x.n() * units];
        for (int b = 0; b < x.n(); b++) {
            for (int u = 0; u < units; u++) {
                double sum = bias == null ? 0 : bias[u];
                for (int i = 0; i < in; i++) {
                    sum += weight[u * in + i] * x.data()[b * in + i];
                }
                out[b * units + u] = sum;
            }
        }
        return new Tensor(x.n(), new Shape(units), out);
    }

    /** Element-wise, or softmax over axis 1 (channels, or features). */
    private static Tensor activation(String id, double alpha, Tensor x) {
        double[] v = x.data().clone();
        switch (id) {
            case "none" -> { }
            case "relu" -> java.util.Arrays.setAll(v, i -> Math.max(v[i], 0));
            case "leaky_relu" -> java.util.Arrays.setAll(v, i -> v[i] < 0 ? alpha * v[i] : v[i]);
            case "sigmoid" -> java.util.Arrays.setAll(v, i -> 1 / (1 + Math.exp(-v[i])));
            case "tanh" -> java.util.Arrays.setAll(v, i -> Math.tanh(v[i]));
            case "softmax" -> {
                int channels = x.shape().dim(0);
                int pixels = (int) (x.shape().elements() / channels);
                for (int b = 0; b < x.n(); b++) {
                    for (int p = 0; p < pixels; p++) {
                        double max = Double.NEGATIVE_INFINITY;
                        for (int c = 0; c < channels; c++) {
                            max = Math.max(max, v[(b * channels + c) * pixels + p]);
                        }
                        double sum = 0;
                        for (int c = 0; c < channels; c++) {
                            sum += Math.exp(v[(b * channels + c) * pixels + p] - max);
                        }
                        for (int c = 0; c < channels; c++) {
                            int at = (b * channels + c) * pixels + p;
                            v[at] = Math.exp(v[at] - max) / sum;
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("no reference for activation " + id);
        }
        return new Tensor(x.n(), x.shape(), v);
    }
}
