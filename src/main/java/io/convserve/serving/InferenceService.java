package io.convserve.serving;

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

    private final Map<String, ModelStatistics> statistics = new ConcurrentHashMap<>();
    private final java.util.List<InferenceListener> listeners;

    /** A forward pass that failed inside the engine (Triton's BACKEND failures). */
    public static final class BackendException extends RuntimeException {
        BackendException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public InferenceService(java.util.List<InferenceListener> listeners) {
        this.listeners = java.util.List.copyOf(listeners);
    }

    /** Forward pass of row-major values of shape {@code [N, ...input]}, timed into the version's statistics. */
    public Result infer(LoadedModel model, float[] values, long[] shape) {
        return infer(model, values, shape, Set.of()).get(Network.OUTPUT);
    }

    /**
     * Forward pass that also returns the outputs of the named layers (keyed by layer name; the model's own output
     * under {@link Network#OUTPUT}), timed into the version's statistics.
     */
    public Map<String, Result> infer(LoadedModel model, float[] values, long[] shape, Set<String> layers) {
        long t0 = System.nanoTime();
        INDArray batch = Nd4j.create(values, shape, DataType.FLOAT);
        long t1 = System.nanoTime();
        Map<String, INDArray> out;
        try {
            out = model.network().forward(batch, layers);
        } catch (RuntimeException e) {
            throw new BackendException("model '" + model.name() + "' version " + model.version()
                    + " failed to compute: " + e.getMessage(), e);
        }
        long t2 = System.nanoTime();
        Map<String, Result> results = new LinkedHashMap<>();
        out.forEach((name, array) -> results.put(name, new Result(array.shape(), array.dup('c').data().asFloat())));
        long t3 = System.nanoTime();
        statistics(model).execution(shape[0], t1 - t0, t2 - t1, t3 - t2);
        for (InferenceListener l : listeners) {
            l.executed(model, shape[0], t1 - t0, t2 - t1, t3 - t2);
        }
        return results;
    }

    /**
     * Runs one request's work for {@code model}, counting it as a success or a failure (with its duration) in
     * the version's statistics.
     */
    public <T> T request(LoadedModel model, java.util.function.Supplier<T> work) {
        long start = System.nanoTime();
        for (InferenceListener l : listeners) {
            l.requestStarted(model);
        }
        try {
            T result = work.get();
            long nanos = System.nanoTime() - start;
            statistics(model).success(nanos);
            for (InferenceListener l : listeners) {
                l.requestSucceeded(model, nanos, 0);
            }
            return result;
        } catch (RuntimeException e) {
            long nanos = System.nanoTime() - start;
            statistics(model).failure(nanos);
            InferenceListener.FailureReason reason = e instanceof BackendException
                    ? InferenceListener.FailureReason.BACKEND : InferenceListener.FailureReason.OTHER;
            for (InferenceListener l : listeners) {
                l.requestFailed(model, reason, nanos);
            }
            throw e;
        }
    }

    public ModelStatistics statistics(LoadedModel model) {
        return statistics.computeIfAbsent(model.name() + "/" + model.version(),
                k -> new ModelStatistics(model.name(), model.version()));
    }

    /** Statistics of a version that has served at least one request, or an empty set of counters. */
    public ModelStatistics.Snapshot snapshot(LoadedModel model) {
        return statistics(model).snapshot();
    }
}
