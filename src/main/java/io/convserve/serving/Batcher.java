package io.convserve.serving;

import io.convserve.registry.LoadedModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model version's scheduler (docs/design.md#serving-engine, Triton's dynamic batcher): a bounded queue and worker threads that merge
 * queued requests into one forward pass and split the outputs back. A full queue refuses at once; a request whose
 * deadline passes while it waits is answered without being computed; every accepted request is completed exactly
 * once, also when the batcher retires or the service shuts down. Workers end after {@link #IDLE_NANOS} without work,
 * and the batcher with them, so a version that stops serving leaves nothing behind.
 */
public final class Batcher {

    private static final Logger log = LoggerFactory.getLogger(Batcher.class);
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Runs one merged batch: row-major values of shape {@code [N, ...input]}, the outputs by name. */
    interface Engine {
        Map<String, InferenceService.Result> run(LoadedModel model, float[] values, long[] shape, Set<String> layers);
    }

    /** What one request gets back: its own rows of every output, and how long it waited in the queue. */
    record Outcome(Map<String, InferenceService.Result> results, long queueNanos) {
    }

    static final class Job {
        final float[] values;
        final long[] shape;
        final Set<String> layers;
        final long enqueued = System.nanoTime();
        final long deadline;
        final CompletableFuture<Outcome> future = new CompletableFuture<>();
        /** The request's trace (null when untraced) and its span in the queue, ended when a worker takes it. */
        final io.micrometer.tracing.TraceContext trace;
        final io.micrometer.tracing.Span queueSpan;

        Job(float[] values, long[] shape, Set<String> layers, long timeoutNanos, io.micrometer.tracing.TraceContext trace,
            io.micrometer.tracing.Span queueSpan) {
            this.values = values;
            this.shape = shape;
            this.layers = layers;
            this.deadline = timeoutNanos > 0 ? enqueued + timeoutNanos : Long.MAX_VALUE;
            this.trace = trace;
            this.queueSpan = queueSpan;
        }

        void fail(Throwable e) {
            RequestTracing.end(queueSpan, e);
            future.completeExceptionally(e);
        }

        int examples() {
            return (int) shape[0];
        }
    }

    private final LoadedModel model;
    private final BatchingSettings settings;
    private final Engine engine;
    private final Runnable onRetire;
    private final RequestTracing tracing;
    private final ArrayBlockingQueue<Job> queue;
    private final Object lock = new Object();
    private final List<Thread> workers = new ArrayList<>();
    private boolean retired;
    private volatile long lastActivity = System.nanoTime();

    Batcher(LoadedModel model, BatchingSettings settings, Engine engine, Runnable onRetire) {
        this(model, settings, engine, onRetire, RequestTracing.OFF);
    }

    Batcher(LoadedModel model, BatchingSettings settings, Engine engine, Runnable onRetire, RequestTracing tracing) {
        this.tracing = tracing;
        this.model = model;
        this.settings = settings;
        this.engine = engine;
        this.onRetire = onRetire;
        this.queue = new ArrayBlockingQueue<>(settings.maxQueueSize());
        for (int i = 0; i < settings.instances(); i++) {
            Thread worker = new Thread(this::work, "batcher-" + model.name() + "-v" + model.version() + "-" + i);
            worker.setDaemon(true);
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    BatchingSettings settings() {
        return settings;
    }

    /** Requests waiting for a worker. */
    int pending() {
        return queue.size();
    }

    /**
     * Queues a request. Returns {@code null} if this batcher has retired (ask for a new one).
     *
     * @throws OverloadedException if the queue is full
     */
    Job submit(float[] values, long[] shape, Set<String> layers, long timeoutNanos) {
        io.micrometer.tracing.TraceContext trace = tracing.current();
        Job job = new Job(values, shape, layers, timeoutNanos, trace,
                tracing.start("convserve.queue", trace, model.name(), model.version()));
        synchronized (lock) {
            if (retired) {
                RequestTracing.end(job.queueSpan, null);
                return null;
            }
            lastActivity = System.nanoTime();
            if (!queue.offer(job)) {
                OverloadedException full = new OverloadedException("model '" + model.name() + "' version "
                        + model.version() + ": the queue is full (max_queue_size " + settings.maxQueueSize()
                        + "); retry later");
                RequestTracing.end(job.queueSpan, full);
                throw full;
            }
        }
        return job;
    }

    /** Stops taking requests; those still queued are answered as refused, and the workers end. */
    void close(String reason) {
        synchronized (lock) {
            retired = true;
        }
        Job job;
        while ((job = queue.poll()) != null) {
            job.fail(new OverloadedException("model '" + model.name() + "' version " + model.version() + ": "
                    + reason));
        }
        workers.forEach(Thread::interrupt);
    }

    private void work() {
        Job carry = null;
        List<Job> batch = new ArrayList<>();
        try {
            while (true) {
                batch.clear();
                Job first = carry != null ? carry : queue.poll(IDLE_NANOS, TimeUnit.NANOSECONDS);
                carry = null;
                if (first == null) {
                    if (retireIfIdle()) {
                        return;
                    }
                    continue;
                }
                if (expired(first, System.nanoTime())) {
                    continue;
                }
                batch.add(first);
                int examples = first.examples();
                if (settings.dynamic()) {
                    long until = first.enqueued + settings.maxQueueDelayNanos();
                    while (examples < settings.maxBatchSize()) {
                        long wait = until - System.nanoTime();
                        Job next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                        if (next == null) {
                            break;
                        }
                        if (expired(next, System.nanoTime())) {
                            continue;
                        }
                        if (!next.layers.equals(first.layers) || examples + next.examples() > settings.maxBatchSize()) {
                            carry = next;
                            break;
                        }
                        batch.add(next);
                        examples += next.examples();
                    }
                }
                execute(batch, examples);
                batch.clear();
                lastActivity = System.nanoTime();
            }
        } catch (InterruptedException e) {
            // stopping: whatever this worker holds is answered, never dropped
            OverloadedException stopped = new OverloadedException("model '" + model.name() + "' version "
                    + model.version() + " stopped serving");
            batch.forEach(job -> job.fail(stopped));
            if (carry != null) {
                carry.fail(stopped);
            }
            Thread.currentThread().interrupt();
        }
    }

    private boolean retireIfIdle() {
        synchronized (lock) {
            if (retired) {
                return true;
            }
            if (queue.isEmpty() && System.nanoTime() - lastActivity >= IDLE_NANOS) {
                retired = true;
            } else {
                return false;
            }
        }
        workers.stream().filter(t -> t != Thread.currentThread()).forEach(Thread::interrupt);
        onRetire.run();
        return true;
    }

    /** Answers a request whose deadline has passed, without computing it. */
    private boolean expired(Job job, long now) {
        if (now < job.deadline) {
            return false;
        }
        job.fail(new TimedOutException("model '" + model.name() + "' version "
                + model.version() + ": the request waited " + TimeUnit.NANOSECONDS.toMicros(now - job.enqueued)
                + " µs in the queue, past its timeout of " + TimeUnit.NANOSECONDS.toMicros(job.deadline - job.enqueued)
                + " µs; it was not computed"));
        return true;
    }

    /** One merged forward pass (in chunks of the execution batch size), its outputs split back per request. */
    private void execute(List<Job> batch, int examples) {
        long start = System.nanoTime();
        List<io.micrometer.tracing.TraceContext> traces = null; // only when some request is traced
        for (Job job : batch) {
            RequestTracing.end(job.queueSpan, null);
            if (job.trace != null) {
                traces = traces == null ? new ArrayList<>(batch.size()) : traces;
                traces.add(job.trace);
            }
        }
        io.micrometer.tracing.Span span = traces == null ? null
                : tracing.batch(traces, model.name(), model.version(), examples);
        Throwable failure = null;
        try {
            Job first = batch.get(0);
            long exampleSize = first.values.length / first.examples();
            float[] merged;
            if (batch.size() == 1) {
                merged = first.values;
            } else {
                merged = new float[Math.toIntExact(examples * exampleSize)];
                int at = 0;
                for (Job job : batch) {
                    System.arraycopy(job.values, 0, merged, at, job.values.length);
                    at += job.values.length;
                }
            }
            Map<String, InferenceService.Result> all = runInChunks(merged, examples, first.shape, first.layers);
            int row = 0;
            for (Job job : batch) {
                Map<String, InferenceService.Result> own = new LinkedHashMap<>();
                for (Map.Entry<String, InferenceService.Result> e : all.entrySet()) {
                    own.put(e.getKey(), rows(e.getValue(), row, job.examples()));
                }
                row += job.examples();
                job.future.complete(new Outcome(own, start - job.enqueued));
            }
        } catch (Throwable e) {
            // the requests fail (BACKEND), the worker lives on for the next batch
            log.error("model={} version={} forward pass of {} examples failed", model.name(), model.version(),
                    examples, e);
            for (Job job : batch) {
                job.future.completeExceptionally(e);
            }
            failure = e;
        } finally {
            RequestTracing.end(span, failure);
        }
    }

    private Map<String, InferenceService.Result> runInChunks(float[] values, int examples, long[] exampleShape,
                                                            Set<String> layers) {
        int chunk = settings.executionBatchSize() > 0 ? settings.executionBatchSize() : examples;
        if (examples <= chunk) {
            return engine.run(model, values, withBatch(exampleShape, examples), layers);
        }
        int exampleSize = values.length / examples;
        List<Map<String, InferenceService.Result>> parts = new ArrayList<>();
        for (int from = 0; from < examples; from += chunk) {
            int n = Math.min(chunk, examples - from);
            float[] part = java.util.Arrays.copyOfRange(values, from * exampleSize, (from + n) * exampleSize);
            parts.add(engine.run(model, part, withBatch(exampleShape, n), layers));
        }
        Map<String, InferenceService.Result> joined = new LinkedHashMap<>();
        for (String name : parts.get(0).keySet()) {
            InferenceService.Result head = parts.get(0).get(name);
            int rowSize = head.values().length / (int) head.shape()[0];
            float[] out = new float[rowSize * examples];
            int at = 0;
            for (Map<String, InferenceService.Result> p : parts) {
                float[] v = p.get(name).values();
                System.arraycopy(v, 0, out, at, v.length);
                at += v.length;
            }
            joined.put(name, new InferenceService.Result(withBatch(head.shape(), examples), out));
        }
        return joined;
    }

    private static InferenceService.Result rows(InferenceService.Result all, int from, int count) {
        int total = (int) all.shape()[0];
        if (from == 0 && count == total) {
            return all;
        }
        int rowSize = all.values().length / total;
        return new InferenceService.Result(withBatch(all.shape(), count),
                java.util.Arrays.copyOfRange(all.values(), from * rowSize, (from + count) * rowSize));
    }

    private static long[] withBatch(long[] shape, long batch) {
        long[] out = shape.clone();
        out[0] = batch;
        return out;
    }

    /** The queue is full (or the version stopped serving): answered with 503 and Retry-After. */
    public static final class OverloadedException extends RuntimeException {
        OverloadedException(String message) {
            super(message);
        }
    }

    /** The request's deadline passed before it was computed: answered with 504. */
    public static final class TimedOutException extends RuntimeException {
        TimedOutException(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return "Batcher[" + model.name() + " v" + model.version() + ", " + settings + "]";
    }

    static void logSettings(LoadedModel model, BatchingSettings s) {
        log.info("scheduler model={} version={} dynamic_batching={} max_batch_size={} max_queue_delay_us={} "
                        + "max_queue_size={} default_timeout_us={} execution_batch_size={} instances={}", model.name(),
                model.version(), s.dynamic(), s.maxBatchSize(), s.maxQueueDelayNanos() / 1000, s.maxQueueSize(),
                s.defaultTimeoutNanos() / 1000, s.executionBatchSize(), s.instances());
    }
}
