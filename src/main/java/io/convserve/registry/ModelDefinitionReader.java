package io.convserve.registry;

import io.convserve.model.Architecture;
import io.convserve.model.Initializer;
import io.convserve.model.LayerConfigException;
import io.convserve.model.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Parses and checks {@code model.json}; every error names the field and the value received. */
public final class ModelDefinitionReader {

    private static final Set<String> TOP_LEVEL = Set.of("format_version", "name", "description", "input", "output",
            "preprocessing", "init", "layers", "version_policy", "aliases", "max_batch_size", "dynamic_batching",
            "instance_count");
    private static final Set<String> DYNAMIC_BATCHING = Set.of("max_queue_delay_microseconds", "max_queue_size",
            "default_timeout_microseconds", "preferred_batch_size");
    private static final Set<String> PREPROCESSING = Set.of("color", "resize", "center_crop", "scale", "mean", "std",
            "invert");

    private final JsonMapper mapper = JsonMapper.builder().build();

    public ModelDefinition read(byte[] json, String source) {
        Map<String, Object> root;
        try {
            root = mapper.readValue(json, Map.class);
        } catch (JacksonException e) {
            throw new ModelLoadException(source + " is not valid JSON: " + e.getOriginalMessage());
        }
        return parse(root, source);
    }

    /** Builds a definition from a parsed JSON object (also used for architectures posted to /v2/summary). */
    @SuppressWarnings("unchecked")
    public ModelDefinition parse(Map<String, Object> root, String source) {
        try {
            for (String key : root.keySet()) {
                if (!TOP_LEVEL.contains(key)) {
                    throw new ModelLoadException(source + ": unknown field '" + key + "'. Expected one of: "
                            + new java.util.TreeSet<>(TOP_LEVEL));
                }
            }
            Object version = root.get("format_version");
            if (version != null && !(version instanceof Number n && n.intValue() == 1)) {
                throw new ModelLoadException(source + ": format_version must be 1. Received: " + version);
            }
            String name = string(root, "name", source, false);
            String description = string(root, "description", source, false);
            ModelDefinition.TensorSpec input = input(root.get("input"), source);
            Object output = root.get("output");
            String outputName = output instanceof Map<?, ?> m && m.get("name") instanceof String s ? s : "output";
            Object layers = root.get("layers");
            if (!(layers instanceof List<?> list)) {
                throw new ModelLoadException(source + ": field 'layers' must be a list of layer objects. Received: "
                        + layers);
            }
            List<Map<String, Object>> layerConfigs = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> layer)) {
                    throw new ModelLoadException(source + ": layer " + i + " must be a JSON object. Received: "
                            + list.get(i));
                }
                layerConfigs.add((Map<String, Object>) layer);
            }
            int[] dims = input.shape().stream().mapToInt(Integer::intValue).toArray();
            Architecture architecture = Architecture.fromConfig(new Shape(dims), layerConfigs);
            return new ModelDefinition(name, description, input, outputName,
                    preprocessing(root.get("preprocessing"), source), init(root.get("init"), source),
                    architecture, List.copyOf(layerConfigs), versionPolicy(root.get("version_policy"), source),
                    aliases(root.get("aliases"), source), batching(root, source));
        } catch (LayerConfigException e) {
            throw new ModelLoadException(source + ": " + e.getMessage(), e);
        }
    }

    private static String string(Map<String, Object> root, String key, String source, boolean required) {
        Object v = root.get(key);
        if (v == null && !required) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new ModelLoadException(source + ": field '" + key + "' must be a string. Received: " + v);
        }
        return s;
    }

    private static ModelDefinition.TensorSpec input(Object value, String source) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new ModelLoadException(source + ": field 'input' must be an object with 'shape' [C, H, W]. Received: "
                    + value);
        }
        Object name = m.get("name");
        Object datatype = m.get("datatype");
        Object layout = m.get("layout");
        if (datatype != null && !"FP32".equals(datatype)) {
            throw new ModelLoadException(source + ": input.datatype must be \"FP32\". Received: " + datatype);
        }
        if (layout != null && !"NCHW".equals(layout)) {
            throw new ModelLoadException(source + ": input.layout must be \"NCHW\" (import NHWC models with the "
                    + "importer). Received: " + layout);
        }
        List<Integer> shape = positiveInts(m.get("shape"), "input.shape", source);
        if (shape.size() != 3 && shape.size() != 1) {
            throw new ModelLoadException(source + ": input.shape must be [C, H, W] without the batch dimension. "
                    + "Received: " + shape);
        }
        return new ModelDefinition.TensorSpec(name instanceof String s ? s : "input", shape, "FP32", "NCHW");
    }

    /** A torchvision size: a positive integer or a list of one or two; an integer comes back as a list of one. */
    private static List<Integer> size(Object value, String field, String source, String expected) {
        if (value == null) {
            return null;
        }
        List<?> list = value instanceof List<?> l ? l : List.of(value);
        if (list.isEmpty() || list.size() > 2 || !list.stream().allMatch(o -> o instanceof Integer i && i > 0)) {
            throw new ModelLoadException(source + ": " + field + " must be " + expected + ", with positive integers. "
                    + "Received: " + value);
        }
        return list.stream().map(o -> (Integer) o).toList();
    }

    private static List<Integer> positiveInts(Object value, String field, String source) {
        if (value instanceof List<?> list && !list.isEmpty()) {
            List<Integer> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Integer i) || i < 1) {
                    throw new ModelLoadException(source + ": " + field + " must be a list of positive integers. "
                            + "Received: " + value);
                }
                out.add(i);
            }
            return List.copyOf(out);
        }
        throw new ModelLoadException(source + ": " + field + " must be a list of positive integers. Received: "
                + value);
    }

    private static ModelDefinition.Preprocessing preprocessing(Object value, String source) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new ModelLoadException(source + ": field 'preprocessing' must be an object. Received: " + value);
        }
        for (Object key : m.keySet()) {
            if (!PREPROCESSING.contains(key)) {
                throw new ModelLoadException(source + ": unknown field 'preprocessing." + key + "'. Expected one of: "
                        + new java.util.TreeSet<>(PREPROCESSING));
            }
        }
        Object color = m.get("color");
        if (color != null && !"grayscale".equals(color) && !"rgb".equals(color)) {
            throw new ModelLoadException(source + ": preprocessing.color must be \"grayscale\" or \"rgb\". Received: "
                    + color);
        }
        List<Integer> resize = size(m.get("resize"), "preprocessing.resize", source, "N (the shorter side becomes N, "
                + "the aspect ratio is kept), [N] (the same) or [height, width]");
        List<Integer> crop = size(m.get("center_crop"), "preprocessing.center_crop", source,
                "N or [N] (a square) or [height, width]");
        if (crop != null && crop.size() == 1) {
            crop = List.of(crop.get(0), crop.get(0));
        }
        Object scale = m.get("scale");
        if (scale != null && !(scale instanceof Number)) {
            throw new ModelLoadException(source + ": preprocessing.scale must be a number. Received: " + scale);
        }
        Object invert = m.get("invert");
        return new ModelDefinition.Preprocessing((String) color, resize, crop,
                scale == null ? null : ((Number) scale).doubleValue(), doubles(m.get("mean"), "mean", source),
                doubles(m.get("std"), "std", source), Boolean.TRUE.equals(invert));
    }

    private static List<Double> doubles(Object value, String field, String source) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> list) {
            List<Double> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Number n)) {
                    throw new ModelLoadException(source + ": preprocessing." + field
                            + " must be a list of numbers, one per channel. Received: " + value);
                }
                out.add(n.doubleValue());
            }
            return List.copyOf(out);
        }
        throw new ModelLoadException(source + ": preprocessing." + field
                + " must be a list of numbers, one per channel. Received: " + value);
    }

    ModelDefinition.VersionPolicy versionPolicy(Object value, String source) {
        String expected = ". Expected {\"latest\": {\"num_versions\": N}}, {\"all\": {}} or "
                + "{\"specific\": {\"versions\": [1, 2]}}. Received: " + value;
        if (value == null) {
            return ModelDefinition.VersionPolicy.DEFAULT;
        }
        if (!(value instanceof Map<?, ?> m) || m.size() != 1) {
            throw new ModelLoadException(source + ": invalid version_policy" + expected);
        }
        Object body = m.values().iterator().next();
        Map<?, ?> fields = body instanceof Map<?, ?> f ? f : Map.of();
        if (m.containsKey("all")) {
            return new ModelDefinition.VersionPolicy("all", 0, List.of());
        }
        if (m.containsKey("latest") && fields.get("num_versions") instanceof Integer n && n > 0) {
            return new ModelDefinition.VersionPolicy("latest", n, List.of());
        }
        if (m.containsKey("specific") && fields.get("versions") instanceof List<?> versions && !versions.isEmpty()
                && versions.stream().allMatch(v -> v instanceof Number)) {
            return new ModelDefinition.VersionPolicy("specific", 0,
                    versions.stream().map(v -> ((Number) v).longValue()).toList());
        }
        throw new ModelLoadException(source + ": invalid version_policy" + expected);
    }

    private static ModelDefinition.Batching batching(Map<String, Object> root, String source) {
        // 0 is Triton's "no batching": the batch dimension is part of the shapes, fixed at 1
        Integer maxBatch = notNegative(root.get("max_batch_size"), "max_batch_size", source);
        Integer instances = positive(root.get("instance_count"), "instance_count", source);
        Object value = root.get("dynamic_batching");
        if (value == null || value instanceof Boolean) {
            return new ModelDefinition.Batching(maxBatch, (Boolean) value, null, null, null, null, instances);
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new ModelLoadException(source + ": dynamic_batching must be an object with " + DYNAMIC_BATCHING
                    + " (each optional), true or false. Received: " + value);
        }
        for (Object key : m.keySet()) {
            if (!DYNAMIC_BATCHING.contains(String.valueOf(key))) {
                throw new ModelLoadException(source + ": unknown field 'dynamic_batching." + key + "'. Expected one of: "
                        + new java.util.TreeSet<>(DYNAMIC_BATCHING));
            }
        }
        Object preferred = m.get("preferred_batch_size");
        Integer execution = null;
        if (preferred instanceof List<?> sizes && !sizes.isEmpty()) {
            for (Object size : sizes) {
                positive(size, "dynamic_batching.preferred_batch_size", source);
            }
            execution = sizes.stream().mapToInt(v -> ((Number) v).intValue()).max().getAsInt();
        } else if (preferred != null) {
            execution = positive(preferred, "dynamic_batching.preferred_batch_size", source);
        }
        Integer delay = notNegative(m.get("max_queue_delay_microseconds"), "dynamic_batching.max_queue_delay_microseconds",
                source);
        Integer timeout = notNegative(m.get("default_timeout_microseconds"),
                "dynamic_batching.default_timeout_microseconds", source);
        return new ModelDefinition.Batching(maxBatch, true, delay == null ? null : delay.longValue(),
                positive(m.get("max_queue_size"), "dynamic_batching.max_queue_size", source),
                timeout == null ? null : timeout.longValue(), execution, instances);
    }

    private static Integer positive(Object value, String field, String source) {
        Integer n = notNegative(value, field, source);
        if (n != null && n == 0) {
            throw new ModelLoadException(source + ": " + field + " must be a positive integer. Received: 0");
        }
        return n;
    }

    private static Integer notNegative(Object value, String field, String source) {
        if (value == null) {
            return null;
        }
        if (value instanceof Integer n && n >= 0) {
            return n;
        }
        throw new ModelLoadException(source + ": " + field + " must be a non-negative integer. Received: " + value);
    }

    Map<String, String> aliases(Object value, String source) {
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, String> out = new java.util.LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String alias = String.valueOf(e.getKey());
                if (alias.isEmpty() || Character.isDigit(alias.charAt(0)) || !(e.getValue() instanceof Number
                        || e.getValue() instanceof String s && s.matches("[0-9]{1,18}"))) {
                    throw new ModelLoadException(source + ": aliases map names (not starting with a digit) to version "
                            + "numbers, e.g. {\"stable\": 1, \"canary\": 2}. Received: " + value);
                }
                out.put(alias, String.valueOf(e.getValue()));
            }
            return Map.copyOf(out);
        }
        throw new ModelLoadException(source + ": aliases must be an object like {\"stable\": 1}. Received: " + value);
    }

    private static ModelDefinition.Init init(Object value, String source) {
        if (value == null) {
            return null;
        }
        if (value instanceof Map<?, ?> m && Initializer.HE_NORMAL.equals(m.get("scheme"))) {
            Object seed = m.get("seed");
            return new ModelDefinition.Init(Initializer.HE_NORMAL, seed instanceof Number n ? n.longValue() : 0L);
        }
        throw new ModelLoadException(source + ": field 'init' must be {\"scheme\": \"he_normal\", \"seed\": N}. "
                + "Received: " + value);
    }
}
