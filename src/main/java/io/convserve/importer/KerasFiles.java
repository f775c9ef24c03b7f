package io.convserve.importer;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keras' two containers: a {@code .keras} zip of {@code config.json} and {@code model.weights.h5} (weights under
 * {@code layers/<snake_case class>/vars/<i>}), and a legacy {@code .h5} with the config in the root attribute
 * {@code model_config} and the weights under {@code model_weights/<layer>/} in {@code weight_names} order. Both are
 * read with jhdf and handed to {@link KerasImporter} as a config and a {@link WeightSource}.
 */
final class KerasFiles {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** What the importer does with a file's config and weights. */
    @FunctionalInterface
    interface Converter {
        ImportedModel convert(Map<String, Object> root, WeightSource weights);
    }

    private KerasFiles() {
    }

    static ImportedModel readKeras(byte[] content, String fileName, Converter convert) {
        byte[] config = null;
        byte[] weights = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(content))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("config.json")) {
                    config = zip.readAllBytes();
                } else if (e.getName().equals("model.weights.h5")) {
                    weights = zip.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new ImportException(fileName + " is not a readable .keras archive: " + e.getMessage(), e);
        }
        if (config == null || weights == null) {
            throw new ImportException(fileName + ": a .keras archive needs config.json and model.weights.h5; found "
                    + (config == null ? "no config.json" : "no model.weights.h5"));
        }
        Map<String, Object> root = json(config, fileName + " config.json");
        try (HdfFile h5 = HdfFile.fromBytes(weights)) {
            Node layersNode = h5.getByPath("layers");
            Map<String, Group> byName = new HashMap<>();
            Map<String, Group> byKey = new HashMap<>();
            if (layersNode instanceof Group g) {
                for (Map.Entry<String, Node> e : g.getChildren().entrySet()) {
                    if (e.getValue() instanceof Group layerGroup) {
                        byKey.put(e.getKey(), layerGroup);
                        Node vars = layerGroup.getChild("vars");
                        if (vars != null && string(vars.getAttribute("name")) instanceof String n) {
                            byName.put(n, layerGroup);
                        }
                    }
                }
            }
            // Keras 3 stores a layer under its snake_case class name, made unique with _1, _2 in model order; the
            // vars group carries the layer's own name. Prefer the name, fall back to the key.
            Map<String, Integer> seen = new HashMap<>();
            WeightSource source = (layerName, className) -> {
                String snake = snakeCase(className);
                int n = seen.merge(snake, 1, Integer::sum) - 1;
                Group group = byName.getOrDefault(layerName, byKey.get(n == 0 ? snake : snake + "_" + n));
                List<FloatArray> out = new ArrayList<>();
                Node vars = group == null ? null : group.getChild("vars");
                if (vars instanceof Group v) {
                    for (int i = 0; v.getChild(Integer.toString(i)) instanceof Dataset d; i++) {
                        out.add(floats(d, layerName));
                    }
                }
                return out;
            };
            return convert.convert(root, source);
        } catch (ImportException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ImportException(fileName + ": model.weights.h5 could not be read as HDF5: " + e.getMessage(), e);
        }
    }

    static ImportedModel readH5(byte[] content, String fileName, Converter convert) {
        try (HdfFile h5 = HdfFile.fromBytes(content)) {
            Object config = string(h5.getAttribute("model_config"));
            if (!(config instanceof String text)) {
                throw new ImportException(fileName + ": the HDF5 file has no 'model_config' attribute: it holds weights "
                        + "only (save_weights), not a model; save the model with model.save(...)");
            }
            Map<String, Object> root = json(text.getBytes(StandardCharsets.UTF_8), fileName + " model_config");
            Node weightsRoot = h5.getByPath("model_weights");
            WeightSource source = (layerName, className) -> {
                List<FloatArray> out = new ArrayList<>();
                if (weightsRoot instanceof Group g && g.getChild(layerName) instanceof Group layer) {
                    Object names = layer.getAttribute("weight_names") == null ? null
                            : layer.getAttribute("weight_names").getData();
                    if (names instanceof String[] list) {
                        for (String path : list) {
                            if (layer.getByPath(path) instanceof Dataset d) {
                                out.add(floats(d, layerName));
                            } else {
                                throw new ImportException("Keras layer '" + layerName + "': weight '" + path
                                        + "' listed in weight_names is missing from " + fileName);
                            }
                        }
                    }
                }
                return out;
            };
            return convert.convert(root, source);
        } catch (ImportException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ImportException(fileName + " could not be read as a Keras HDF5 model: " + e.getMessage(), e);
        }
    }

    /**
     * Keras' own {@code keras.src.utils.naming.to_snake_case}, which names a layer's group in model.weights.h5:
     * drop non-word characters, {@code (.)([A-Z][a-z]+) -> \1_\2}, then {@code ([a-z])([A-Z]) -> \1_\2}, lower
     * case ("Conv2D" gives "conv2d", "BatchNormalization" "batch_normalization", "ReLU" "re_lu").
     */
    static String snakeCase(String className) {
        String s = className.replaceAll("\\W+", "").replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    @FunctionalInterface
    interface WeightSource {
        /** The layer's arrays in Keras' order (kernel, bias; gamma, beta, moving mean, moving variance). */
        List<FloatArray> arrays(String layerName, String className);
    }

    private static FloatArray floats(Dataset d, String layer) {
        Object flat = d.getDataFlat();
        int[] dims = d.getDimensions();
        float[] data;
        if (flat instanceof float[] f) {
            data = f;
        } else if (flat instanceof double[] x) {
            data = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                data[i] = (float) x[i];
            }
        } else {
            throw new ImportException("Keras layer '" + layer + "': weight '" + d.getPath() + "' is of type "
                    + d.getJavaType() + "; only float32 and float64 weights can be imported");
        }
        return new FloatArray(dims.length == 0 ? new int[] {1} : dims, data);
    }

    private static Object string(Attribute a) {
        if (a == null) {
            return null;
        }
        Object data = a.getData();
        if (data instanceof String[] s && s.length == 1) {
            return s[0];
        }
        return data;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(byte[] bytes, String where) {
        try {
            return MAPPER.readValue(bytes, Map.class);
        } catch (JacksonException e) {
            throw new ImportException(where + " is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
