package io.convserve.importer;

import io.convserve.model.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keras 3 {@code .keras} archives (config.json + model.weights.h5) and legacy {@code .h5} files (the config in the
 * root attribute {@code model_config}, weights under {@code model_weights/<layer>}) to our layer stack.
 *
 * <p>Conversions: channels_last input {@code [H, W, C]} to {@code [C, H, W]}; Conv2D kernels HWIO to OIHW;
 * DepthwiseConv2D {@code [kh, kw, C, M]} to {@code [C*M, 1, kh, kw]}; SeparableConv2D to a depthwise layer
 * ({@code <name>_depthwise}) and a 1x1 conv2d; Dense kernels transposed, and the first Dense after a Flatten of a
 * feature map re-ordered from Keras' (H, W, C) flatten order to our (C, H, W); {@code "same"} padding kept as
 * TensorFlow's rule (our {@code "same"}, extra pixel bottom/right); BatchNormalization's epsilon (Keras default
 * 1e-3), {@code center}/{@code scale} flags; fused activations kept on the layer (LeakyReLU's 0.2 as its own layer).
 * Sequential models and Functional models that are a chain are supported; anything else is rejected naming the
 * layer.
 */
public final class KerasImporter {

    private static final Set<String> IDENTITY_SHAPE = Set.of("Dropout", "SpatialDropout2D", "Activation", "ReLU",
            "LeakyReLU", "Softmax", "BatchNormalization");
    private static final List<String> SUPPORTED = List.of("InputLayer", "Conv2D", "DepthwiseConv2D",
            "SeparableConv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
            "ZeroPadding2D", "BatchNormalization", "Flatten", "Dense", "Dropout", "SpatialDropout2D", "Activation",
            "ReLU", "LeakyReLU", "Softmax", "Rescaling");

    /** A {@code .keras} (zip) or {@code .h5} (HDF5) file's bytes; the kind is told by its first bytes. */
    public ImportedModel read(byte[] content, String fileName) {
        KerasFiles.Converter convert = (root, weights) -> convert(root, weights, fileName);
        if (content.length > 4 && content[0] == 'P' && content[1] == 'K') {
            return KerasFiles.readKeras(content, fileName, convert);
        }
        if (content.length > 8 && (content[0] & 0xff) == 0x89 && content[1] == 'H' && content[2] == 'D'
                && content[3] == 'F') {
            return KerasFiles.readH5(content, fileName, convert);
        }
        throw new ImportException(fileName + " is neither a .keras archive (zip) nor a legacy .h5 (HDF5) file");
    }

    // ---- the config: a chain of layers

    @SuppressWarnings("unchecked")
    private ImportedModel convert(Map<String, Object> root, KerasFiles.WeightSource weights, String fileName) {
        String modelClass = String.valueOf(root.get("class_name"));
        // Keras before 2.2.3 wrote a Sequential's config as the bare list of layers
        Map<String, Object> config = root.get("config") instanceof List<?> bare ? Map.of("layers", bare)
                : map(root.get("config"));
        List<Map<String, Object>> layerList = new ArrayList<>();
        for (Object o : list(config.get("layers"))) {
            layerList.add(map(o));
        }
        List<Map<String, Object>> chain = switch (modelClass) {
            case "Sequential" -> layerList;
            case "Functional", "Model" -> KerasGraph.chain(layerList);
            default -> throw new ImportException(fileName + ": model class '" + modelClass
                    + "' is not supported; expected a Sequential or Functional model");
        };
        for (Map<String, Object> layer : chain) {
            String cls = String.valueOf(layer.get("class_name"));
            if (Set.of("Sequential", "Functional", "Model").contains(cls)) {
                throw unsupported(String.valueOf(map(layer.get("config")).get("name")), cls, "a nested model (a model "
                        + "used as a layer) is not supported; build the outer model from the inner model's layers");
            }
            if (!SUPPORTED.contains(cls)) {
                throw unsupported(String.valueOf(map(layer.get("config")).get("name")), cls, "this layer type has no "
                        + "equivalent in our layer stack. Importable Keras layers: " + SUPPORTED);
            }
        }
        int[] hwc = null;
        String inputName = "input";
        int start = 0;
        if (!chain.isEmpty() && "InputLayer".equals(chain.get(0).get("class_name"))) {
            Map<String, Object> c = map(chain.get(0).get("config"));
            hwc = inputShape(c.containsKey("batch_shape") ? c.get("batch_shape") : c.get("batch_input_shape"),
                    String.valueOf(c.get("name")));
            inputName = String.valueOf(c.get("name"));
            start = 1;
        } else if (!chain.isEmpty()) {
            Map<String, Object> c = map(chain.get(0).get("config"));
            Object shape = c.containsKey("batch_input_shape") ? c.get("batch_input_shape") : c.get("batch_shape");
            if (shape != null) {
                hwc = inputShape(shape, String.valueOf(c.get("name")));
            } else if (config.get("build_input_shape") != null) {
                hwc = inputShape(config.get("build_input_shape"), "build_input_shape");
            }
        }
        if (hwc == null) {
            throw new ImportException(fileName + ": the model declares no input shape (no InputLayer / batch_shape); "
                    + "build it with keras.Input((H, W, C)) before saving");
        }
        Shape input = hwc.length == 3 ? Shape.chw(hwc[2], hwc[0], hwc[1]) : new Shape(hwc);
        ModelBuilder b = new ModelBuilder("Keras layer", input);
        Shape flattenedFrom = null; // the (C, H, W) map a Flatten turned into HWC-ordered features
        Rescale rescaling = null; // a leading Rescaling layer, waiting to be folded into the next weighted layer
        boolean folded = false; // the model scales its own input: images can be sent as they are
        String outputName = "output";
        for (int i = start; i < chain.size(); i++) {
            Map<String, Object> layer = chain.get(i);
            String cls = String.valueOf(layer.get("class_name"));
            Map<String, Object> c = map(layer.get("config"));
            String name = String.valueOf(c.get("name"));
            outputName = name;
            Object format = c.get("data_format");
            if (format != null && !"channels_last".equals(format)) {
                throw unsupported(name, cls, "data_format '" + format + "' (only channels_last files are importable)");
            }
            List<FloatArray> w = "InputLayer".equals(cls) ? List.of() : weights.arrays(name, cls);
            if ("Rescaling".equals(cls)) {
                rescaling = rescaling(name, c, rescaling);
                continue;
            }
            if (rescaling != null) {
                w = foldRescaling(rescaling, name, cls, c, w);
                b.note("Keras layer '" + rescaling.layer() + "' (Rescaling x*" + rescaling.scale() + " + "
                        + rescaling.offset() + ") folded into the weights of '" + name + "': tensors and images are "
                        + "sent unscaled, as to the Keras model");
                rescaling = null;
                folded = true;
            }
            Shape before = b.current();
            convertLayer(b, cls, name, c, w, flattenedFrom);
            if ("Flatten".equals(cls)) {
                flattenedFrom = before.rank() == 3 && before.channels() > 1 && before.height() * before.width() > 1
                        ? before : null;
            } else if (!IDENTITY_SHAPE.contains(cls)) {
                flattenedFrom = null;
            }
        }
        if (rescaling != null) {
            throw unsupported(rescaling.layer(), "Rescaling", "it is not followed by a layer with weights to fold it into");
        }
        return b.build("Imported from Keras " + modelClass + " '" + config.get("name") + "' (" + fileName + ")",
                inputName, outputName, folded && input.rank() == 3 && (input.channels() == 1 || input.channels() == 3)
                        ? Map.of("color", input.channels() == 1 ? "grayscale" : "rgb",
                                "resize", List.of(input.height(), input.width()))
                        : null);
    }

    private void convertLayer(ModelBuilder b, String cls, String name, Map<String, Object> c, List<FloatArray> w,
                              Shape flattenedFrom) {
        switch (cls) {
            case "Conv2D" -> {
                Map<String, Object> l = ModelBuilder.layer("conv2d", b.uniqueName(name, "conv2d"));
                l.put("filters", intValue(c, "filters", name));
                l.put("kernel", pairValue(c.get("kernel_size")));
                l.put("stride", pairValue(c.getOrDefault("strides", 1)));
                l.put("padding", padding(c, name, cls));
                l.put("dilation", pairValue(c.getOrDefault("dilation_rate", 1)));
                int groups = c.get("groups") == null ? 1 : intValue(c, "groups", name);
                if (groups != 1) {
                    l.put("groups", groups);
                }
                boolean bias = !Boolean.FALSE.equals(c.get("use_bias"));
                l.put("bias", bias);
                String after = activation(l, c, name, cls);
                expect(w, bias ? 2 : 1, name, cls);
                b.add(name, l);
                b.weight((String) l.get("name"), "weight", w.get(0).transpose(3, 2, 0, 1));
                if (bias) {
                    b.weight((String) l.get("name"), "bias", w.get(1));
                }
                separateActivation(b, name, after);
            }
            case "DepthwiseConv2D" -> {
                Map<String, Object> l = ModelBuilder.layer("depthwise_conv2d", b.uniqueName(name, "depthwise"));
                l.put("kernel", pairValue(c.get("kernel_size")));
                l.put("stride", pairValue(c.getOrDefault("strides", 1)));
                l.put("padding", padding(c, name, cls));
                l.put("dilation", pairValue(c.getOrDefault("dilation_rate", 1)));
                l.put("depth_multiplier", c.get("depth_multiplier") == null ? 1 : intValue(c, "depth_multiplier", name));
                boolean bias = !Boolean.FALSE.equals(c.get("use_bias"));
                l.put("bias", bias);
                String after = activation(l, c, name, cls);
                expect(w, bias ? 2 : 1, name, cls);
                b.add(name, l);
                b.weight((String) l.get("name"), "weight", depthwise(w.get(0)));
                if (bias) {
                    b.weight((String) l.get("name"), "bias", w.get(1));
                }
                separateActivation(b, name, after);
            }
            case "SeparableConv2D" -> {
                Map<String, Object> dw = ModelBuilder.layer("depthwise_conv2d", b.uniqueName(name + "_depthwise", "dw"));
                dw.put("kernel", pairValue(c.get("kernel_size")));
                dw.put("stride", pairValue(c.getOrDefault("strides", 1)));
                dw.put("padding", padding(c, name, cls));
                dw.put("dilation", pairValue(c.getOrDefault("dilation_rate", 1)));
                dw.put("depth_multiplier", c.get("depth_multiplier") == null ? 1 : intValue(c, "depth_multiplier", name));
                dw.put("bias", false);
                Map<String, Object> pw = ModelBuilder.layer("conv2d", b.uniqueName(name, "pointwise"));
                pw.put("filters", intValue(c, "filters", name));
                pw.put("kernel", 1);
                boolean bias = !Boolean.FALSE.equals(c.get("use_bias"));
                pw.put("bias", bias);
                String after = activation(pw, c, name, cls);
                expect(w, bias ? 3 : 2, name, cls);
                b.add(name, dw);
                b.weight((String) dw.get("name"), "weight", depthwise(w.get(0)));
                b.add(name, pw);
                b.weight((String) pw.get("name"), "weight", w.get(1).transpose(3, 2, 0, 1));
                if (bias) {
                    b.weight((String) pw.get("name"), "bias", w.get(2));
                }
                separateActivation(b, name, after);
            }
            case "MaxPooling2D", "AveragePooling2D" -> {
                Map<String, Object> l = ModelBuilder.layer(cls.startsWith("Max") ? "max_pool2d" : "avg_pool2d",
                        b.uniqueName(name, "pool"));
                Object pool = pairValue(c.getOrDefault("pool_size", 2));
                l.put("pool", pool);
                l.put("stride", c.get("strides") == null ? pool : pairValue(c.get("strides")));
                l.put("padding", padding(c, name, cls));
                b.add(name, l);
            }
            case "GlobalAveragePooling2D", "GlobalMaxPooling2D" -> {
                if (Boolean.TRUE.equals(c.get("keepdims"))) {
                    throw unsupported(name, cls, "keepdims=True (our global pooling outputs [C])");
                }
                b.add(name, ModelBuilder.layer(cls.contains("Average") ? "global_avg_pool2d" : "global_max_pool2d",
                        b.uniqueName(name, "global_pool")));
            }
            case "ZeroPadding2D" -> {
                List<Object> p = list(c.get("padding"));
                List<Object> hp = list(p.get(0));
                List<Object> wp = list(p.get(1));
                Map<String, Object> l = ModelBuilder.layer("zero_pad2d", b.uniqueName(name, "zero_pad"));
                l.put("padding", List.of(hp.get(0), hp.get(1), wp.get(0), wp.get(1)));
                b.add(name, l);
            }
            case "BatchNormalization" -> {
                Shape in = b.current();
                Object axis = c.get("axis");
                int ax = axis instanceof List<?> a && a.size() == 1 ? ((Number) a.get(0)).intValue()
                        : axis instanceof Number n ? n.intValue() : -1;
                if (ax != -1 && ax != in.rank()) {
                    throw unsupported(name, cls, "axis " + axis + " (only the channel axis, -1, is supported)");
                }
                boolean scale = !Boolean.FALSE.equals(c.get("scale"));
                boolean center = !Boolean.FALSE.equals(c.get("center"));
                expect(w, 2 + (scale ? 1 : 0) + (center ? 1 : 0), name, cls);
                Map<String, Object> l = ModelBuilder.layer("batch_norm", b.uniqueName(name, "batch_norm"));
                l.put("epsilon", number(c.get("epsilon"), 1e-3));
                int n = w.get(w.size() - 1).data().length;
                int k = 0;
                FloatArray gamma = scale ? w.get(k++) : FloatArray.filled(n, 1f);
                FloatArray beta = center ? w.get(k++) : FloatArray.filled(n, 0f);
                FloatArray mean = w.get(k++);
                FloatArray variance = w.get(k);
                b.add(name, l);
                String ln = (String) l.get("name");
                if (!scale || !center) {
                    b.note("Keras layer '" + name + "': " + (scale ? "" : "scale=False, gamma of ones added; ")
                            + (center ? "" : "center=False, beta of zeros added; ") + "our batch_norm counts "
                            + ((scale ? 0 : n) + (center ? 0 : n)) + " more parameters than Keras");
                }
                b.weight(ln, "gamma", hwcToChw(gamma, flattenedFrom));
                b.weight(ln, "beta", hwcToChw(beta, flattenedFrom));
                b.weight(ln, "moving_mean", hwcToChw(mean, flattenedFrom));
                b.weight(ln, "moving_variance", hwcToChw(variance, flattenedFrom));
            }
            case "Flatten" -> b.add(name, ModelBuilder.layer("flatten", b.uniqueName(name, "flatten")));
            case "Dense" -> {
                if (b.current().rank() != 1) {
                    throw unsupported(name, cls, "a Dense layer on a " + b.current().rank() + "-D input "
                            + b.current() + " (Keras applies it per pixel; put a Flatten or global pooling before it)");
                }
                Map<String, Object> l = ModelBuilder.layer("dense", b.uniqueName(name, "dense"));
                l.put("units", intValue(c, "units", name));
                boolean bias = !Boolean.FALSE.equals(c.get("use_bias"));
                l.put("bias", bias);
                String after = activation(l, c, name, cls);
                expect(w, bias ? 2 : 1, name, cls);
                b.add(name, l);
                FloatArray kernel = w.get(0); // [n_in, units], n_in in Keras' order
                if (flattenedFrom != null) {
                    int units = kernel.shape()[1];
                    // rows in (H, W, C) order -> (C, H, W): [H, W, C, units] -> [units, C, H, W]
                    kernel = kernel.reshape(flattenedFrom.height(), flattenedFrom.width(), flattenedFrom.channels(),
                            units).transpose(3, 2, 0, 1).reshape(units, (int) flattenedFrom.elements());
                    b.note("Keras layer '" + name + "': kernel rows re-ordered from the (H, W, C) flatten order of "
                            + flattenedFrom + " to (C, H, W)");
                } else {
                    kernel = kernel.transpose(1, 0);
                }
                b.weight((String) l.get("name"), "weight", kernel);
                if (bias) {
                    b.weight((String) l.get("name"), "bias", w.get(1));
                }
                separateActivation(b, name, after);
            }
            case "Dropout", "SpatialDropout2D" -> {
                Map<String, Object> l = ModelBuilder.layer("dropout", b.uniqueName(name, "dropout"));
                l.put("rate", number(c.get("rate"), 0.5));
                b.add(name, l);
            }
            case "Activation" -> {
                String a = String.valueOf(activationName(c.get("activation")));
                if (!"linear".equals(a)) {
                    addActivation(b, name, name, a, cls);
                }
            }
            case "ReLU" -> {
                if (c.get("max_value") != null || number(c.get("threshold"), 0) != 0) {
                    throw unsupported(name, cls, "max_value=" + c.get("max_value") + ", threshold="
                            + c.get("threshold") + " (only plain ReLU or a negative slope is supported)");
                }
                double slope = number(c.get("negative_slope"), 0);
                if (slope == 0) {
                    b.add(name, ModelBuilder.layer("relu", b.uniqueName(name, "relu")));
                } else {
                    Map<String, Object> l = ModelBuilder.layer("leaky_relu", b.uniqueName(name, "leaky_relu"));
                    l.put("alpha", slope);
                    b.add(name, l);
                }
            }
            case "LeakyReLU" -> {
                Map<String, Object> l = ModelBuilder.layer("leaky_relu", b.uniqueName(name, "leaky_relu"));
                l.put("alpha", number(c.containsKey("negative_slope") ? c.get("negative_slope") : c.get("alpha"), 0.3));
                b.add(name, l);
            }
            case "Softmax" -> {
                Object axis = c.get("axis");
                int ax = axis instanceof List<?> a && a.size() == 1 ? ((Number) a.get(0)).intValue()
                        : axis instanceof Number n ? n.intValue() : -1;
                if (ax != -1 && ax != b.current().rank()) {
                    throw unsupported(name, cls, "axis " + axis + " (softmax over the last, channel axis only)");
                }
                b.add(name, ModelBuilder.layer("softmax", b.uniqueName(name, "softmax")));
            }
            default -> throw unsupported(name, cls, "this layer type has no equivalent in our layer stack. "
                    + "Importable Keras layers: " + SUPPORTED);
        }
    }

    // ---- Rescaling: y = x * scale + offset, folded into the next layer's kernel and bias

    private record Rescale(String layer, double scale, double offset) {
    }

    private static Rescale rescaling(String name, Map<String, Object> c, Rescale before) {
        if (!(c.get("scale") instanceof Number scale) || !(c.getOrDefault("offset", 0.0) instanceof Number offset)) {
            throw unsupported(name, "Rescaling", "only a scalar scale and offset can be folded. Received: scale="
                    + c.get("scale") + ", offset=" + c.get("offset"));
        }
        if (before != null) { // (x*s1 + o1)*s2 + o2
            return new Rescale(before.layer() + "+" + name, before.scale() * scale.doubleValue(),
                    before.offset() * scale.doubleValue() + offset.doubleValue());
        }
        return new Rescale(name, scale.doubleValue(), offset.doubleValue());
    }

    /**
     * The layer's Keras arrays with a preceding rescaling folded in: kernel * scale, and bias + offset * (sum of the
     * kernel over what one output reads). The offset folds only where no zero padding is read (padding "valid").
     */
    private static List<FloatArray> foldRescaling(Rescale r, String name, String cls, Map<String, Object> c,
                                                  List<FloatArray> w) {
        if (!Set.of("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense").contains(cls)) {
            throw unsupported(r.layer(), "Rescaling", "it is followed by " + cls + " '" + name + "'; it can be folded "
                    + "only into a Conv2D, DepthwiseConv2D, SeparableConv2D or Dense right after it");
        }
        List<FloatArray> out = new ArrayList<>(w);
        FloatArray kernel = w.get(0);
        out.set(0, kernel.scale(r.scale()));
        if (r.offset() == 0) {
            return out;
        }
        boolean bias = !Boolean.FALSE.equals(c.get("use_bias"));
        if ("same".equals(c.get("padding")) || !bias || cls.equals("SeparableConv2D")) {
            throw unsupported(r.layer(), "Rescaling", "offset " + r.offset() + " cannot be folded into " + cls + " '"
                    + name + "' (it needs padding 'valid', a bias, and no SeparableConv2D)");
        }
        int outputs = kernel.shape()[kernel.rank() - 1];
        // Conv2D [kh, kw, cin, cout] and Dense [n_in, units]: sum over all but the last axis;
        // DepthwiseConv2D [kh, kw, C, M]: sum over kh, kw per (c, m), bias index c*M + m
        int per = cls.equals("DepthwiseConv2D") ? kernel.shape()[2] * kernel.shape()[3] : outputs;
        float[] sums = new float[per];
        for (int i = 0; i < kernel.data().length; i++) {
            sums[i % per] += kernel.data()[i];
        }
        FloatArray b = w.get(cls.equals("SeparableConv2D") ? 2 : 1);
        float[] biased = b.data().clone();
        for (int i = 0; i < biased.length; i++) {
            biased[i] += (float) (r.offset() * sums[i]);
        }
        out.set(1, new FloatArray(b.shape(), biased));
        return out;
    }

    // ---- activations

    /** Puts a fused activation on the layer; returns one that needs its own layer (Keras' leaky_relu), or null. */
    private static String activation(Map<String, Object> layer, Map<String, Object> c, String name, String cls) {
        String a = activationName(c.get("activation"));
        if (a == null || a.equals("linear")) {
            return null;
        }
        if (Set.of("relu", "sigmoid", "tanh", "softmax").contains(a)) {
            layer.put("activation", a);
            return null;
        }
        if (a.equals("leaky_relu")) {
            return a;
        }
        throw unsupported(name, cls, "activation '" + a + "' (supported: relu, "
                + "sigmoid, tanh, softmax, leaky_relu, linear)");
    }

    private static String activationName(Object value) {
        if (value instanceof Map<?, ?> m) { // a serialised function object
            Object config = m.get("config");
            return config instanceof Map<?, ?> c && c.get("name") != null ? String.valueOf(c.get("name"))
                    : String.valueOf(m.get("class_name"));
        }
        return value == null ? null : String.valueOf(value);
    }

    private static void separateActivation(ModelBuilder b, String from, String activation) {
        if (activation != null) {
            addActivation(b, from, from + "_" + activation, activation, "activation");
        }
    }

    private static void addActivation(ModelBuilder b, String from, String name, String a, String cls) {
        switch (a) {
            case "relu", "sigmoid", "tanh", "softmax" -> b.add(from, ModelBuilder.layer(a, b.uniqueName(name, a)));
            case "leaky_relu" -> {
                Map<String, Object> l = ModelBuilder.layer("leaky_relu", b.uniqueName(name, "leaky_relu"));
                l.put("alpha", 0.2); // keras.activations.leaky_relu's default negative_slope
                b.add(from, l);
            }
            default -> throw unsupported(from, cls, "activation '" + a + "' (supported: relu, sigmoid, tanh, "
                    + "softmax, leaky_relu, linear)");
        }
    }

    // ---- helpers

    /** Keras' depthwise kernel {@code [kh, kw, C, M]} to ours {@code [C*M, 1, kh, kw]} (output channel c*M + m). */
    private static FloatArray depthwise(FloatArray k) {
        int[] s = k.shape();
        return k.transpose(2, 3, 0, 1).reshape(s[2] * s[3], 1, s[0], s[1]);
    }

    /** A per-feature vector of a flattened (H, W, C) map in (C, H, W) order; unchanged when nothing was flattened. */
    private static FloatArray hwcToChw(FloatArray v, Shape flattenedFrom) {
        if (flattenedFrom == null) {
            return v;
        }
        return v.reshape(flattenedFrom.height(), flattenedFrom.width(), flattenedFrom.channels())
                .transpose(2, 0, 1).reshape((int) flattenedFrom.elements());
    }

    private static Object padding(Map<String, Object> c, String name, String cls) {
        Object p = c.getOrDefault("padding", "valid");
        if ("same".equals(p) || "valid".equals(p)) {
            return p;
        }
        throw unsupported(name, cls, "padding '" + p + "' (Keras knows 'same' and 'valid')");
    }

    private static Object pairValue(Object v) {
        if (v instanceof List<?> l && l.size() == 2) {
            return List.of(((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue());
        }
        if (v instanceof List<?> l && l.size() == 1) {
            return ((Number) l.get(0)).intValue();
        }
        return v instanceof Number n ? n.intValue() : v;
    }

    private static int intValue(Map<String, Object> c, String key, String layer) {
        if (c.get(key) instanceof Number n) {
            return n.intValue();
        }
        throw new ImportException("Keras layer '" + layer + "': field '" + key + "' must be a number. Received: "
                + c.get(key));
    }

    private static double number(Object v, double defaultValue) {
        return v instanceof Number n ? n.doubleValue() : defaultValue;
    }

    private static void expect(List<FloatArray> w, int n, String name, String cls) {
        if (w.size() != n) {
            throw new ImportException("Keras layer '" + name + "' (" + cls + "): expected " + n
                    + " weight arrays in the file, found " + w.size());
        }
    }

    private static int[] inputShape(Object batchShape, String where) {
        List<Object> dims = list(batchShape);
        if (dims.size() != 4 && dims.size() != 2) {
            throw new ImportException("Keras input '" + where + "': shape " + batchShape + " is neither (batch, H, W, C) "
                    + "nor (batch, features)");
        }
        int[] out = new int[dims.size() - 1];
        for (int i = 1; i < dims.size(); i++) {
            if (!(dims.get(i) instanceof Number n) || n.intValue() < 1) {
                throw new ImportException("Keras input '" + where + "': shape " + batchShape + " has an unknown "
                        + "dimension; our models have a fixed [C, H, W] input: declare keras.Input((H, W, C))");
            }
            out[i - 1] = n.intValue();
        }
        return out;
    }

    private static ImportException unsupported(String name, String cls, String why) {
        return new ImportException("Keras layer '" + name + "' (" + cls + "): cannot be imported: " + why);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }
}
