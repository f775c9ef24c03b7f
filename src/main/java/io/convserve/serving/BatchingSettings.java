package io.convserve.serving;

import io.convserve.registry.ModelDefinition;
import java.time.Duration;

/**
 * A model version's effective scheduler settings: the configuration's per-model overrides
 * ({@code inference.models.<name>.*}) win over model.json ({@code max_batch_size}, {@code dynamic_batching},
 * {@code instance_count}), which wins over the configuration's defaults ({@code inference.*}).
 *
 * @param dynamic             merge queued requests into one forward pass (off: one request per pass, still queued)
 * @param maxBatchSize        the most examples in one request and in one merged forward pass
 * @param maxQueueDelayNanos  how long the oldest queued request may wait for others to join its batch
 * @param maxQueueSize        queued requests beyond which new ones are refused (503)
 * @param defaultTimeoutNanos a request's deadline when it gives none (0: none); past it, it is answered 504
 * @param executionBatchSize  merged batches run in chunks of at most this many examples (0: whole)
 * @param instances           worker threads (Triton's instance count)
 * @param batchInShape        Triton's {@code max_batch_size: 0}: one example a request, the batch dimension shown
 *                            in the shapes as 1, no merging
 */
public record BatchingSettings(boolean dynamic, int maxBatchSize, long maxQueueDelayNanos, int maxQueueSize,
                               long defaultTimeoutNanos, int executionBatchSize, int instances, boolean batchInShape) {

    public BatchingSettings(boolean dynamic, int maxBatchSize, long maxQueueDelayNanos, int maxQueueSize,
                            long defaultTimeoutNanos, int executionBatchSize, int instances) {
        this(dynamic, maxBatchSize, maxQueueDelayNanos, maxQueueSize, defaultTimeoutNanos, executionBatchSize,
                instances, false);
    }

    static BatchingSettings resolve(String model, ModelDefinition.Batching file, InferenceProperties config) {
        InferenceProperties.ModelOverrides o = config.models() == null ? null : config.models().get(model);
        ModelDefinition.Batching f = file != null ? file : ModelDefinition.Batching.NONE;
        boolean inShape = Integer.valueOf(0).equals(f.maxBatchSize()) && (o == null || o.maxBatchSize() == null);
        boolean dynamic = !inShape && first(o == null ? null : o.dynamicBatching(), f.dynamic(), config.dynamicBatching());
        int maxBatch = inShape ? 1 : first(o == null ? null : o.maxBatchSize(), f.maxBatchSize(), config.maxBatchSize());
        long delay = first(o == null || o.maxQueueDelay() == null ? null : o.maxQueueDelay().toNanos(),
                f.maxQueueDelayMicroseconds() == null ? null : f.maxQueueDelayMicroseconds() * 1000,
                config.maxQueueDelay().toNanos());
        int queue = first(o == null ? null : o.maxQueueSize(), f.maxQueueSize(), config.maxQueueSize());
        long timeout = first(o == null || o.defaultTimeout() == null ? null : o.defaultTimeout().toNanos(),
                f.defaultTimeoutMicroseconds() == null ? null : f.defaultTimeoutMicroseconds() * 1000,
                config.defaultTimeout().toNanos());
        int execution = first(o == null ? null : o.preferredBatchSize(), f.preferredBatchSize(), 0);
        int instances = first(o == null ? null : o.instances(), f.instances(), config.instances());
        BatchingSettings s = new BatchingSettings(dynamic, maxBatch, delay, queue, timeout, execution, instances,
                inShape);
        s.check(model);
        return s;
    }

    private void check(String model) {
        if (maxBatchSize < 1 || maxQueueSize < 1 || instances < 1 || maxQueueDelayNanos < 0 || defaultTimeoutNanos < 0
                || executionBatchSize < 0) {
            throw new IllegalArgumentException("model '" + model + "': invalid scheduler settings " + this
                    + ": batch sizes, queue size and instances must be positive, delays and timeouts not negative");
        }
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        throw new IllegalStateException("no value");
    }

    /** The max_batch_size Triton's configuration shows: 0 when the batch is part of the shapes. */
    public int reportedMaxBatchSize() {
        return batchInShape ? 0 : maxBatchSize;
    }

    /** A tensor's shape as the v2 protocol shows it: the batch as -1, or as 1 when it is part of the shapes. */
    public java.util.List<Long> protocolShape(io.convserve.model.Shape shape) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        out.add(batchInShape ? 1L : -1L);
        for (int d : shape.dims()) {
            out.add((long) d);
        }
        return java.util.List.copyOf(out);
    }

    public Duration maxQueueDelay() {
        return Duration.ofNanos(maxQueueDelayNanos);
    }
}
