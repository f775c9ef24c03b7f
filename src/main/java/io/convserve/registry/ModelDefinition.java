package io.convserve.registry;

import io.convserve.model.Architecture;
import java.util.List;
import java.util.Map;

/**
 * The parsed {@code model.json} (docs/model-format.md): metadata, the input and output tensors, preprocessing for
 * image requests, the optional seeded initialisation of an architecture-only model, and the layers.
 */
public record ModelDefinition(String name, String description, TensorSpec input, String outputName,
                              Preprocessing preprocessing, Init init, Architecture architecture,
                              List<Map<String, Object>> layerConfigs, VersionPolicy versionPolicy,
                              Map<String, String> aliases, Batching batching) {

    /**
     * Scheduler settings from model.json, Triton's names: {@code max_batch_size}, {@code dynamic_batching}
     * ({@code max_queue_delay_microseconds}, {@code max_queue_size}, {@code default_timeout_microseconds},
     * {@code preferred_batch_size}; {@code false} turns merging off) and {@code instance_count}. Unset fields are
     * null and come from the configuration.
     */
    public record Batching(Integer maxBatchSize, Boolean dynamic, Long maxQueueDelayMicroseconds, Integer maxQueueSize,
                           Long defaultTimeoutMicroseconds, Integer preferredBatchSize, Integer instances) {
        public static final Batching NONE = new Batching(null, null, null, null, null, null, null);
    }

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
