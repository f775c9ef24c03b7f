package io.convserve.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, checked access to one layer's JSON object (as a plain {@code Map}). Each getter records the
 * field as known; {@link #finish()} rejects fields that no getter asked for.
 */
final class LayerConfig {

    private final Map<String, Object> raw;
    private final int index;
    private final String type;
    private final String name;
    private final Set<String> known = new LinkedHashSet<>(List.of("type", "name"));

    LayerConfig(int index, String type, String name, Map<String, Object> raw) {
        this.raw = raw;
        this.index = index;
        this.type = type;
        this.name = name;
    }

    int index() {
        return index;
    }

    String name() {
        return name;
    }

    LayerConfigException error(String message) {
        return new LayerConfigException(type + " '" + name + "' (layer " + index + "): " + message);
    }

    private Object get(String key) {
        known.add(key);
        return raw.get(key);
    }

    int requiredInt(String key) {
        Object v = get(key);
        if (v == null) {
            throw error("field '" + key + "' is required");
        }
        return positiveInt(key, v);
    }

    int positiveInt(String key, int defaultValue) {
        Object v = get(key);
        return v == null ? defaultValue : positiveInt(key, v);
    }

    private int positiveInt(String key, Object v) {
        Integer i = asInt(v);
        if (i == null || i < 1) {
            throw error("field '" + key + "' must be a positive integer. Received: " + describe(v));
        }
        return i;
    }

    double number(String key, double defaultValue) {
        Object v = get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw error("field '" + key + "' must be a finite number. Received: " + describe(v));
        }
        return n.doubleValue();
    }

    boolean bool(String key, boolean defaultValue) {
        Object v = get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Boolean b)) {
            throw error("field '" + key + "' must be true or false. Received: " + describe(v));
        }
        return b;
    }

    /** An int or {@code [h, w]}, each at least 1. */
    int[] pair(String key, int[] defaultValue) {
        Object v = get(key);
        if (v == null) {
            if (defaultValue == null) {
                throw error("field '" + key + "' is required (an integer or [height, width])");
            }
            return defaultValue;
        }
        int[] ints = ints(v);
        if (ints != null && ints.length == 1) {
            ints = new int[] {ints[0], ints[0]};
        }
        if (ints == null || ints.length != 2 || ints[0] < 1 || ints[1] < 1) {
            throw error("field '" + key + "' must be a positive integer or [height, width]. Received: " + describe(v));
        }
        return ints;
    }

    /** Padding: an int, {@code [h, w]}, {@code [top, bottom, left, right]}, {@code "same"} or {@code "valid"}. */
    Padding padding(String key, boolean allowModes) {
        Object v = get(key);
        if (v == null) {
            return Padding.NONE;
        }
        if (v instanceof String s && allowModes) {
            switch (s) {
                case "same":
                    return new Padding.Same();
                case "valid":
                    return new Padding.Valid();
                default:
                    break;
            }
        }
        int[] p = ints(v);
        if (p != null) {
            boolean nonNegative = true;
            for (int x : p) {
                nonNegative &= x >= 0;
            }
            if (nonNegative) {
                switch (p.length) {
                    case 1:
                        return new Padding.Explicit(p[0], p[0], p[0], p[0]);
                    case 2:
                        return new Padding.Explicit(p[0], p[0], p[1], p[1]);
                    case 4:
                        return new Padding.Explicit(p[0], p[1], p[2], p[3]);
                    default:
                        break;
                }
            }
        }
        String expected = allowModes
                ? "a non-negative integer, [h, w], [top, bottom, left, right], \"same\" or \"valid\""
                : "a non-negative integer, [h, w] or [top, bottom, left, right]";
        throw error("field '" + key + "' must be " + expected + ". Received: " + describe(v));
    }

    Activation activation(String key) {
        Object v = get(key);
        if (v == null) {
            return Activation.NONE;
        }
        Activation a = v instanceof String s ? Activation.fromId(s) : null;
        if (a == null) {
            List<String> ids = new ArrayList<>();
            for (Activation x : Activation.values()) {
                ids.add(x.id());
            }
            throw error("field '" + key + "' must be one of " + ids + ". Received: " + describe(v));
        }
        return a;
    }

    /** Rejects fields that this layer type does not have. */
    void finish() {
        for (String key : raw.keySet()) {
            if (!known.contains(key)) {
                throw error("unknown field '" + key + "'. Expected one of: " + known);
            }
        }
    }

    private static Integer asInt(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            long l = ((Number) v).longValue();
            return l > Integer.MAX_VALUE || l < Integer.MIN_VALUE ? null : (int) l;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        return null;
    }

    private static int[] ints(Object v) {
        if (v instanceof List<?> list) {
            int[] out = new int[list.size()];
            for (int i = 0; i < out.length; i++) {
                Integer x = asInt(list.get(i));
                if (x == null) {
                    return null;
                }
                out[i] = x;
            }
            return out;
        }
        Integer x = asInt(v);
        return x == null ? null : new int[] {x};
    }

    static String describe(Object v) {
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }
}
