package io.convserve.serving;

import io.convserve.model.ExecutionPlan;
import io.convserve.model.Network;
import io.convserve.registry.LoadedModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.stereotype.Service;

/**
 * Runs batches through loaded model versions and keeps their statistics. The version object is the one the
 * request resolved, so a request finishes on the version that accepted it.
 */
@Service
public class InferenceService {

    /** The output of one forward pass: {@code [N, ...output]} as a row-major float array. */
    public record Result(long[] shape, float[] values) {
    }

    private final Map<LoadedModel.Id, ModelStatistics> statistics = new ConcurrentHashMap<>();
    private final java.util.List<InferenceListener> listeners;
    private final InferenceProperties properties;
    private final Map<LoadedModel, Batcher> batchers = new ConcurrentHashMap<>();
    /** Queue time of the current thread's last inference, for {@link #request}. */
    private final ThreadLocal<long[]> queueNanos = ThreadLocal.withInitial(() -> new long[1]);
    private volatile boolean closed;

    /** A forward pass that failed inside the engine (Triton's BACKEND failures). */
    public static final class BackendException extends RuntimeException {
        BackendException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final RequestTracing tracing;

    @org.springframework.beans.factory.annotation.Autowired
    public InferenceService(java.util.List<InferenceListener> listeners, InferenceProperties properties,
                            org.springframework.beans.factory.ObjectProvider<RequestTracing> tracing) {
        this(listeners, properties, tracing.getIfAvailable(() -> RequestTracing.OFF));
    }

    public InferenceService(java.util.List<InferenceListener> listeners, InferenceProperties properties,
                            RequestTracing tracing) {
        this.listeners = java.util.List.copyOf(listeners);
        this.properties = properties;
        this.tracing = tracing;
    }

    /** Forward pass of row-major values of shape {@code [N, ...input]}, through the model's scheduler. */
    public Result infer(LoadedModel model, float[] values, long[] shape) {
        return infer(model, values, shape, Set.of(), 0).get(Network.OUTPUT);
    }

    /**
     * A request's forward pass through the model version's queue and dynamic batcher: the outputs of the named
     * layers (keyed by layer name) and the model's own output (under {@link Network#OUTPUT}), for this request's
     * rows only.
     *
     * @param timeoutMicros the request's deadline in the queue; 0 takes the model's default timeout
     * @throws Batcher.OverloadedException if the queue is full (nothing was computed)
     * @throws Batcher.TimedOutException   if the deadline passed before a worker took the request
     */
    public Map<String, Result> infer(LoadedModel model, float[] values, long[] shape, Set<String> layers,
                                     long timeoutMicros) {
        BatchingSettings settings = settings(model);
        long timeoutNanos = timeoutMicros > 0 ? timeoutMicros * 1000 : settings.defaultTimeoutNanos();
        Batcher.Job job = null;
        while (job == null) {
            if (closed) {
                throw new Batcher.OverloadedException("the service is shutting down");
            }
            Batcher batcher = batchers.computeIfAbsent(model, m -> newBatcher(m, settings));
            job = batcher.submit(values, shape, layers, timeoutNanos);
            if (job == null) {
                batchers.remove(model, batcher); // it retired: the next pass makes a new one
            }
        }
        Batcher.Outcome outcome;
        try {
            outcome = job.future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Batcher.OverloadedException("interrupted while waiting for model '" + model.name() + "'");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new BackendException("model '" + model.name() + "' version " + model.version() + " failed: "
                    + e.getCause(), e.getCause());
        }
        statistics(model).queued(outcome.queueNanos());
        queueNanos.get()[0] += outcome.queueNanos();
        return outcome.results();
    }

    private Batcher newBatcher(LoadedModel model, BatchingSettings settings) {
        Batcher.logSettings(model, settings);
        Batcher[] self = new Batcher[1];
        self[0] = new Batcher(model, settings, this::compute, () -> batchers.remove(model, self[0]), tracing);
        return self[0];
    }

    /** The scheduler settings of a model version (configuration over model.json over defaults). */
    public BatchingSettings settings(LoadedModel model) {
        Batcher running = batchers.get(model);
        return running != null ? running.settings()
                : BatchingSettings.resolve(model.name(), model.definition().batching(), properties);
    }

    /** Requests of a model version waiting in its queue. */
    public int pending(LoadedModel model) {
        Batcher b = batchers.get(model);
        return b == null ? 0 : b.pending();
    }

    /** Each worker thread's execution plans, per network; they die with the worker or the model version. */
    private final ThreadLocal<Map<Network, PlanCache>> plans = ThreadLocal.withInitial(java.util.WeakHashMap::new);

    /** Every worker's plan cache that is still alive, for {@link #planCacheBytes()}. */
    private final Set<PlanCache> caches = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /** Bytes of plan buffers all workers hold now (at most {@code inference.plan-cache-size} per worker and version). */
    public long planCacheBytes() {
        synchronized (caches) {
            return caches.stream().mapToLong(PlanCache::bytes).sum();
        }
    }

    /** One forward pass on a worker thread through its execution plan, timed into the version's statistics. */
    private Map<String, Result> compute(LoadedModel model, float[] values, long[] shape, Set<String> layers) {
        long t0 = System.nanoTime();
        Network network = model.network();
        ExecutionPlan plan = plan(network, (int) shape[0]);
        INDArray batch = plan == null ? Nd4j.create(values, shape, DataType.FLOAT) : null;
        long t1 = System.nanoTime();
        Map<String, INDArray> out;
        try {
            out = plan != null ? plan.run(values, layers) : network.forward(batch, layers);
        } catch (RuntimeException e) {
            throw new BackendException("model '" + model.name() + "' version " + model.version()
                    + " failed to compute: " + e.getMessage(), e);
        }
        long t2 = System.nanoTime();
        Map<String, Result> results = new LinkedHashMap<>();
        out.forEach((name, array) -> results.put(name, new Result(array.shape(), floats(array))));
        long t3 = System.nanoTime();
        statistics(model).execution(shape[0], t1 - t0, t2 - t1, t3 - t2);
        for (InferenceListener l : listeners) {
            l.executed(model, shape[0], t1 - t0, t2 - t1, t3 - t2);
        }
        return results;
    }

    private static float[] floats(INDArray array) {
        boolean whole = array.ordering() == 'c' && array.length() == array.data().length() && array.offset() == 0;
        return (whole ? array : array.dup('c')).data().asFloat();
    }

    /** This worker's plan for the batch size, made on first use; null if its buffers alone would exceed the budget. */
    private ExecutionPlan plan(Network network, int batch) {
        PlanCache cache = plans.get().computeIfAbsent(network, n -> {
            PlanCache c = new PlanCache(properties.planCacheSize().toBytes());
            caches.add(c);
            return c;
        });
        return cache.get(network, batch);
    }

    /** Stops every scheduler; requests still queued are refused (503). Called after the web server drained. */
    @jakarta.annotation.PreDestroy
    public void close() {
        closed = true;
        batchers.values().forEach(b -> b.close("the service is shutting down"));
        batchers.clear();
    }

    /**
     * Runs one request's work for {@code model}, counting it as a success or a failure (with its duration) in
     * the version's statistics.
     */
    public <T> T request(LoadedModel model, java.util.function.Supplier<T> work) {
        long start = System.nanoTime();
        long[] queued = queueNanos.get();
        queued[0] = 0;
        for (InferenceListener l : listeners) {
            l.requestStarted(model);
        }
        try {
            T result = work.get();
            long nanos = System.nanoTime() - start;
            statistics(model).success(nanos);
            for (InferenceListener l : listeners) {
                l.requestSucceeded(model, nanos, queued[0]);
            }
            return result;
        } catch (RuntimeException e) {
            long nanos = System.nanoTime() - start;
            statistics(model).failure(nanos);
            InferenceListener.FailureReason reason = e instanceof BackendException
                    ? InferenceListener.FailureReason.BACKEND
                    : e instanceof Batcher.OverloadedException || e instanceof Batcher.TimedOutException
                    ? InferenceListener.FailureReason.REJECTED : InferenceListener.FailureReason.OTHER;
            for (InferenceListener l : listeners) {
                l.requestFailed(model, reason, nanos);
            }
            throw e;
        }
    }

    public ModelStatistics statistics(LoadedModel model) {
        return statistics.computeIfAbsent(model.id(),
                k -> new ModelStatistics(model.name(), model.version()));
    }

    /** Statistics of a version that has served at least one request, or an empty set of counters. */
    public ModelStatistics.Snapshot snapshot(LoadedModel model) {
        return statistics(model).snapshot();
    }
}
