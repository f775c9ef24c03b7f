package io.convserve.importer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The order of a Functional Keras model's layers, from its {@code inbound_nodes}: one chain, or an error. */
final class KerasGraph {

    private KerasGraph() {
    }

    /** A Functional model's layers in data order; anything but a single chain is rejected. */
    static List<Map<String, Object>> chain(List<Map<String, Object>> layers) {
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        Map<String, List<String>> inputs = new HashMap<>();
        Map<String, List<String>> consumers = new HashMap<>();
        for (Map<String, Object> l : layers) {
            String name = String.valueOf(l.get("name") != null ? l.get("name") : map(l.get("config")).get("name"));
            byName.put(name, l);
            List<String> in = new ArrayList<>();
            collectInbound(l.get("inbound_nodes"), in);
            inputs.put(name, in);
            for (String src : in) {
                consumers.computeIfAbsent(src, k -> new ArrayList<>()).add(name);
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        String current = null;
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            if (e.getValue().size() > 1) {
                Map<String, Object> l = byName.get(e.getKey());
                throw new ImportException("Keras layer '" + e.getKey() + "' (" + l.get("class_name") + ") takes "
                        + e.getValue().size() + " inputs " + e.getValue() + ": only a chain of layers (each reading the "
                        + "one before) can be imported; branches, merges and skip connections cannot");
            }
            if (e.getValue().isEmpty()) {
                if (current != null) {
                    throw new ImportException("the model has several inputs ('" + current + "', '" + e.getKey()
                            + "'); only single-input chains can be imported");
                }
                current = e.getKey();
            }
        }
        while (current != null) {
            out.add(byName.get(current));
            List<String> next = consumers.getOrDefault(current, List.of());
            if (next.size() > 1) {
                throw new ImportException("Keras layer '" + current + "' feeds " + next.size() + " layers " + next
                        + ": only a chain of layers (each reading the one before) can be imported");
            }
            current = next.isEmpty() ? null : next.get(0);
        }
        if (out.size() != byName.size()) {
            throw new ImportException("the model's layers do not form a single chain: reached " + out.size() + " of "
                    + byName.size() + " layers from the input");
        }
        return out;
    }

    /** Layer names that an {@code inbound_nodes} value reads: Keras 3 {@code keras_history}, or Keras 2 lists. */
    private static void collectInbound(Object node, List<String> out) {
        if (node instanceof Map<?, ?> m) {
            if (m.get("keras_history") instanceof List<?> h && !h.isEmpty()) {
                out.add(String.valueOf(h.get(0)));
                return;
            }
            for (Object v : m.values()) {
                collectInbound(v, out);
            }
        } else if (node instanceof List<?> l) {
            if (l.size() >= 3 && l.get(0) instanceof String s && l.get(1) instanceof Number) {
                out.add(s); // Keras 2: [layer_name, node_index, tensor_index, kwargs]
                return;
            }
            for (Object v : l) {
                collectInbound(v, out);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
