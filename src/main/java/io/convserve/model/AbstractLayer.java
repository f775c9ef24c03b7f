package io.convserve.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Index, name and the error format shared by every layer: {@code type 'name' (layer i): rule. Received: ...}. */
abstract class AbstractLayer implements Layer {

    private final int index;
    private final String name;

    AbstractLayer(int index, String name) {
        this.index = index;
        this.name = name;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    /** {@code type 'name' (layer i)}. */
    String where() {
        return type() + " '" + name + "' (layer " + index + ")";
    }

    /**
     * The layer's error: the rule, then every value as {@code key=value} pairs.
     * Example: {@code conv2d 'conv1' (layer 0): output height would be -2. Received: input=[3, 8, 8], kernel=[11, 11].}
     */
    ArchitectureException impossible(String rule, Object... keyValues) {
        StringBuilder sb = new StringBuilder(where()).append(": ").append(rule).append(". Received: ");
        for (int i = 0; i < keyValues.length; i += 2) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(keyValues[i]).append('=').append(format(keyValues[i + 1]));
        }
        return new ArchitectureException(sb.append('.').toString());
    }

    static String format(Object value) {
        if (value instanceof int[] a) {
            return Arrays.toString(a);
        }
        if (value instanceof long[] a) {
            return Arrays.toString(a);
        }
        if (value instanceof String s) {
            return "'" + s + "'";
        }
        return String.valueOf(value);
    }

    /** Rejects anything but a {@code [C, H, W]} input. */
    void requireImage(Shape input) {
        if (!input.isImage()) {
            throw impossible("expects a [C, H, W] feature map, not a flat vector; put it before the flatten layer",
                    "input", input);
        }
    }

    /** The product, or an {@link ArithmeticException} instead of a silent overflow. */
    static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            p = Math.multiplyExact(p, f);
        }
        return p;
    }

    static Map<String, Object> config(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    @Override
    public String toString() {
        return where() + " " + config();
    }
}
