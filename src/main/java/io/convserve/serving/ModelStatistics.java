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
                           Duration computeInfer, Duration computeOutput, Map<Long, BatchStats> batchStats,
                           Latency latency) {
    }

    /**
     * Quantiles of the end-to-end duration of the last {@code window} successful requests (at most
     * {@link #LATENCY_WINDOW}), in microseconds; all 0 before the first request.
     */
    public record Latency(int window, long p50Us, long p90Us, long p99Us, long maxUs) {
    }

    /** How many recent successful requests the latency quantiles are computed over. */
    public static final int LATENCY_WINDOW = 1024;

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
    private final long[] recent = new long[LATENCY_WINDOW];
    private long recentCount;

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
        synchronized (recent) {
            recent[(int) (recentCount++ % LATENCY_WINDOW)] = ns;
        }
    }

    private Latency latency() {
        long[] window;
        synchronized (recent) {
            window = java.util.Arrays.copyOf(recent, (int) Math.min(recentCount, LATENCY_WINDOW));
        }
        if (window.length == 0) {
            return new Latency(0, 0, 0, 0, 0);
        }
        java.util.Arrays.sort(window);
        return new Latency(window.length, quantile(window, 0.50), quantile(window, 0.90), quantile(window, 0.99),
                window[window.length - 1] / 1000);
    }

    /** The nearest-rank quantile, in microseconds. */
    static long quantile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1000;
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
                perBatch, latency());
    }
}
