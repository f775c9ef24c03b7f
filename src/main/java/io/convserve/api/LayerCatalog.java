package io.convserve.api;

import io.convserve.model.Activation;
import io.convserve.model.Layer;
import io.convserve.model.LayerConfigException;
import io.convserve.model.Layers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every layer type the engine builds, with its fields and their defaults, read from the engine itself: each type
 * is built from a starting value for the fields it may require, and its {@link Layer#config()} (every setting with
 * defaults resolved) lists the rest. Which fields are required is found by leaving each one out.
 */
final class LayerCatalog {

    /** One field of a layer type; {@code sameAs} names the field whose value is its default (a pool's stride). */
    record LayerField(String name, boolean required, String sameAs, List<String> options) {
    }

    /** {@code defaults}: every field's default (for a required field, the value a new layer starts with). */
    record LayerType(String type, List<LayerField> fields, Map<String, Object> defaults) {
    }

    /**
     * Values for the fields a type may require: what the page offers for a new layer. Only starting points; the
     * fields, their defaults and which are required come from the engine.
     */
    private static final Map<String, Map<String, Object>> STARTERS = Map.of(
            "conv2d", Map.of("filters", 8, "kernel", 3),
            "depthwise_conv2d", Map.of("kernel", 3),
            "max_pool2d", Map.of("pool", 2),
            "avg_pool2d", Map.of("pool", 2),
            "adaptive_avg_pool2d", Map.of("output_size", 6),
            "zero_pad2d", Map.of("padding", 1),
            "dense", Map.of("units", 10));

    private LayerCatalog() {
    }

    static List<LayerType> all() {
        return Layers.TYPES.stream().map(LayerCatalog::describe).toList();
    }

    static LayerType describe(String type) {
        Map<String, Object> starter = STARTERS.getOrDefault(type, Map.of());
        Map<String, Object> config = build(type, starter).config();
        // the same type built from other starting values: a default that follows a required field changes with it
        Map<String, Object> other = new LinkedHashMap<>();
        starter.forEach((k, v) -> other.put(k, v instanceof Integer i ? i + 1 : v));
        Map<String, Object> otherConfig = build(type, other).config();
        List<String> activations = Arrays.stream(Activation.values()).map(Activation::id).toList();
        List<LayerField> fields = new ArrayList<>();
        Map<String, Object> defaults = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            String name = e.getKey();
            boolean required = starter.containsKey(name) && isRequired(type, starter, name);
            Object value = e.getValue();
            if (starter.containsKey(name) && !required) {
                value = build(type, without(starter, name)).config().get(name);
            }
            String sameAs = null;
            if (!required && !value.equals(otherConfig.get(name))) {
                Object defaultValue = value;
                sameAs = starter.keySet().stream().filter(k -> !k.equals(name) && config.get(k).equals(defaultValue)
                                && otherConfig.get(k).equals(otherConfig.get(name)))
                        .findFirst().orElse(null);
            }
            fields.add(new LayerField(name, required, sameAs, name.equals("activation") ? activations : null));
            defaults.put(name, value);
        }
        return new LayerType(type, List.copyOf(fields), java.util.Collections.unmodifiableMap(defaults));
    }

    private static Layer build(String type, Map<String, Object> fields) {
        Map<String, Object> json = new LinkedHashMap<>(fields);
        json.put("type", type);
        return Layers.fromConfig(0, json);
    }

    private static Map<String, Object> without(Map<String, Object> fields, String field) {
        Map<String, Object> out = new LinkedHashMap<>(fields);
        out.remove(field);
        return out;
    }

    private static boolean isRequired(String type, Map<String, Object> starter, String field) {
        try {
            build(type, without(starter, field));
            return false;
        } catch (LayerConfigException e) {
            return e.getMessage().contains("'" + field + "' is required");
        }
    }
}
