package io.convserve.registry;

import io.convserve.model.Architecture;
import java.util.List;
import java.util.Map;

/**
 * The parsed {@code model.json} (DESIGN §3): metadata, the input and output tensors, preprocessing for
 * image requests, the optional seeded initialisation of an architecture-only model, and the layers.
 */
public record ModelDefinition(String name, String description, TensorSpec input, String outputName,
                              Preprocessing preprocessing, Init init, Architecture architecture,
                              List<Map<String, Object>> layerConfigs, VersionPolicy versionPolicy,
                              Map<String, String> aliases) {

    /**
     * Which version folders are served (Triton's version_policy): the latest N (default 1), all, or specific ones.
     */
    public record VersionPolicy(String kind, int latest, List<Long> specific) {
        public static final VersionPolicy DEFAULT = new VersionPolicy("latest", 1, List.of());

        /** The versions to serve out of those on disk (ascending). */
        public List<Long> select(List<Long> onDisk) {
            return switch (kind) {
                case "all" -> onDisk;
                case "specific" -> onDisk.stream().filter(specific::contains).toList();
                default -> onDisk.subList(Math.max(0, onDisk.size() - latest), onDisk.size());
            };
        }
    }

    /** An input tensor: name, {@code [C, H, W]} shape, datatype and layout. */
    public record TensorSpec(String name, List<Integer> shape, String datatype, String layout) {
    }

    /** How an image becomes the input tensor; every field optional. */
    public record Preprocessing(String color, List<Integer> resize, List<Integer> centerCrop, Double scale,
                                List<Double> mean, List<Double> std, boolean invert) {
    }

    /** Seeded weights for an architecture-only model. */
    public record Init(String scheme, long seed) {
    }
}
