package io.convserve.serving;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Scheduler settings, under {@code inference.*} (the repository's settings are
 * {@link io.convserve.registry.RepositoryProperties}, the request limits {@link LimitsProperties}).
 *
 * @param maxBatchSize  the largest batch one request may send (Triton's {@code max_batch_size})
 * @param dynamicBatching merge queued requests of one model into one forward pass (docs/design.md#serving-engine)
 * @param maxQueueDelay  how long the oldest queued request may wait for others to join its batch
 *                       (Triton's max_queue_delay_microseconds; 0: batch only what is already queued)
 * @param maxQueueSize   queued requests per model version beyond which new ones get 503 at once
 * @param defaultTimeout a request's deadline in the queue when it sets none (0: none); past it, 504, not computed
 * @param instances      worker threads per model version (Triton's instance count)
 * @param threads        threads of each forward pass (OpenMP); 0: the host's cores
 * @param planCacheSize  buffers of the execution plans one worker keeps per model version (one plan per batch size
 *                       seen); beyond it the least recently used plans are dropped, and a batch whose plan alone
 *                       would exceed it runs unplanned
 * @param models         per-model overrides of the scheduler settings, by model name
 */
@ConfigurationProperties("inference")
public record InferenceProperties(@DefaultValue("64") int maxBatchSize,
                                  @DefaultValue("true") boolean dynamicBatching,
                                  @DefaultValue("0us") java.time.Duration maxQueueDelay,
                                  @DefaultValue("256") int maxQueueSize,
                                  @DefaultValue("0s") java.time.Duration defaultTimeout,
                                  @DefaultValue("1") int instances,
                                  @DefaultValue("0") int threads,
                                  @DefaultValue("512MB") org.springframework.util.unit.DataSize planCacheSize,
                                  java.util.Map<String, ModelOverrides> models) {

    /** Scheduler settings of one model that override model.json; each optional. */
    public record ModelOverrides(Integer maxBatchSize, Boolean dynamicBatching, java.time.Duration maxQueueDelay,
                                 Integer maxQueueSize, java.time.Duration defaultTimeout, Integer preferredBatchSize,
                                 Integer instances) {
    }

    /** Settings as the defaults give them, for tests and tools. */
    public static InferenceProperties defaults() {
        return new InferenceProperties(64, true, java.time.Duration.ZERO, 256, java.time.Duration.ZERO, 1, 0,
                org.springframework.util.unit.DataSize.ofMegabytes(512), java.util.Map.of());
    }
}
