package io.convserve.serving;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Triton's per-model-version statistics: request outcomes, time spent per phase, inferences and executions,
 * and the same phases per batch size. Thread-safe counters; {@link #snapshot()} gives a consistent-enough copy.
 */
public final class ModelStatistics {

    /** A count and the nanoseconds it took in total. */
    public record Duration(long count, long ns) {
    }

    /** Per batch size: Triton's {@code batch_stats} entry. */
    public record BatchStats(long batchSize, Duration computeInput, Duration computeInfer, Duration computeOutput) {
    }

    public record Snapshot(String name, String version, long lastInference, long inferenceCount, long executionCount,
                           Duration success, Duration fail, Duration queue, Duration computeInput,
                           Duration computeInfer, Duration computeOutput, Map<Long, BatchStats> batchStats) {
    }

    private static final class Counter {
        final LongAdder count = new LongAdder();
        final LongAdder ns = new LongAdder();

        void add(long nanos) {
            count.increment();
            ns.add(nanos);
        }

        Duration get() {
            return new Duration(count.sum(), ns.sum());
        }
    }

    private static final class PerBatch {
        final Counter input = new Counter();
        final Counter infer = new Counter();
        final Counter output = new Counter();
    }

    private final String name;
    private final String version;
    private final AtomicLong lastInference = new AtomicLong();
    private final LongAdder inferenceCount = new LongAdder();
    private final LongAdder executionCount = new LongAdder();
    private final Counter success = new Counter();
    private final Counter fail = new Counter();
    private final Counter queue = new Counter();
    private final Counter computeInput = new Counter();
    private final Counter computeInfer = new Counter();
    private final Counter computeOutput = new Counter();
    private final Map<Long, PerBatch> batches = new ConcurrentHashMap<>();

    public ModelStatistics(String name, String version) {
        this.name = name;
        this.version = version;
    }

    /** One forward pass of {@code batchSize} examples. */
    void execution(long batchSize, long inputNs, long inferNs, long outputNs) {
        executionCount.increment();
        inferenceCount.add(batchSize);
        lastInference.set(System.currentTimeMillis());
        computeInput.add(inputNs);
        computeInfer.add(inferNs);
        computeOutput.add(outputNs);
        PerBatch b = batches.computeIfAbsent(batchSize, k -> new PerBatch());
        b.input.add(inputNs);
        b.infer.add(inferNs);
        b.output.add(outputNs);
    }

    void queued(long ns) {
        queue.add(ns);
    }

    /** A request answered successfully, end to end. */
    public void success(long ns) {
        success.add(ns);
    }

    /** A request that failed after it reached this model version. */
    public void failure(long ns) {
        fail.add(ns);
    }

    public Snapshot snapshot() {
        Map<Long, BatchStats> perBatch = new TreeMap<>();
        batches.forEach((size, b) -> perBatch.put(size,
                new BatchStats(size, b.input.get(), b.infer.get(), b.output.get())));
        return new Snapshot(name, version, lastInference.get(), inferenceCount.sum(), executionCount.sum(),
                success.get(), fail.get(), queue.get(), computeInput.get(), computeInfer.get(), computeOutput.get(),
                perBatch);
    }
}
