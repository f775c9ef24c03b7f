package io.convserve.importer;

import io.convserve.model.ArchitectureException;
import io.convserve.model.Layer;
import io.convserve.model.LayerConfigException;
import io.convserve.model.Layers;
import io.convserve.model.Shape;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects our layers and arrays while an importer walks a foreign graph. Every layer is built with the real
 * {@link Layers#fromConfig} as it is added, so an impossible layer fails at once with the source layer named, and
 * the importer always knows the current shape (needed for Flatten re-ordering, "same" splits and reshapes).
 */
final class ModelBuilder {

    private static final int MAX_NAME = 128;

    private final String source;
    private final Shape input;
    private final List<Map<String, Object>> layers = new ArrayList<>();
    private final List<Shape> outputs = new ArrayList<>();
    private final Map<String, FloatArray> weights = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final List<String> notes = new ArrayList<>();

    /** @param source how errors name the file's layer, e.g. "Keras layer" or "ONNX node" */
    ModelBuilder(String source, Shape input) {
        this.source = source;
        this.input = input;
    }

    Shape current() {
        return outputs.isEmpty() ? input : outputs.get(outputs.size() - 1);
    }

    /** A name that is unique, at most 128 characters, made of letters, digits, '.', '_' and '-'. */
    String uniqueName(String wanted, String fallback) {
        String base = wanted == null ? "" : wanted.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[._]+", "");
        if (base.isEmpty()) {
            base = fallback;
        }
        if (base.length() > MAX_NAME - 8) {
            base = base.substring(0, MAX_NAME - 8);
        }
        String name = base;
        for (int i = 1; names.contains(name); i++) {
            name = base + "_" + i;
        }
        names.add(name);
        return name;
    }

    /**
     * Adds a layer (type, name and fields, docs/design.md#the-layer-stack) for the foreign layer {@code from}; returns its output shape.
     */
    Shape add(String from, Map<String, Object> layer) {
        Map<String, Object> copy = new LinkedHashMap<>(layer);
        int index = layers.size();
        Shape in = current();
        try {
            Layer built = Layers.fromConfig(index, copy);
            Shape out = built.outputShape(in);
            layers.add(copy);
            outputs.add(out);
            return out;
        } catch (LayerConfigException | ArchitectureException e) {
            throw new ImportException(source + " '" + from + "': cannot be expressed as our " + copy.get("type")
                    + " layer: " + e.getMessage());
        }
    }

    Map<String, Object> last() {
        return layers.get(layers.size() - 1);
    }

    void weight(String layer, String array, FloatArray value) {
        weights.put(layer + "." + array, value);
    }

    /** A weight set earlier, or null. */
    FloatArray weightOf(String layer, String array) {
        return weights.get(layer + "." + array);
    }

    void note(String note) {
        notes.add(note);
    }

    boolean isEmpty() {
        return layers.isEmpty();
    }

    /** The model.json object: input, output, optional preprocessing and the layers. */
    ImportedModel build(String description, String inputName, String outputName, Map<String, Object> preprocessing) {
        if (layers.isEmpty()) {
            throw new ImportException("the model has no layer that computes anything; nothing to import");
        }
        Map<String, Object> def = new LinkedHashMap<>();
        def.put("format_version", 1);
        def.put("description", description);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("name", inputName);
        List<Integer> dims = new ArrayList<>();
        for (int d : input.dims()) {
            dims.add(d);
        }
        in.put("shape", dims);
        in.put("datatype", "FP32");
        in.put("layout", "NCHW");
        def.put("input", in);
        def.put("output", Map.of("name", outputName));
        if (preprocessing != null && !preprocessing.isEmpty()) {
            def.put("preprocessing", preprocessing);
        }
        def.put("layers", List.copyOf(layers));
        return new ImportedModel(def, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights)), List.copyOf(notes));
    }

    static Map<String, Object> layer(String type, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("name", name);
        return m;
    }

    static List<Integer> pair(int h, int w) {
        return List.of(h, w);
    }
}
