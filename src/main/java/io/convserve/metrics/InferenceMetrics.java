package io.convserve.metrics;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.InferenceListener;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Exports inference metrics to Micrometer (and so to {@code /actuator/prometheus}):
 *
 * <ul>
 *   <li>Triton's names, so that dashboards and autoscaling rules written for Triton work unchanged:
 *       {@code nv_inference_request_success}, {@code nv_inference_request_failure{reason}},
 *       {@code nv_inference_count}, {@code nv_inference_exec_count}, {@code nv_inference_pending_request_count},
 *       {@code nv_inference_request_duration_us}, {@code nv_inference_queue_duration_us},
 *       {@code nv_inference_compute_infer_duration_us}. They are cumulative like Triton's counters but exported
 *       as gauges, because Micrometer would append {@code _total} to a counter's name.</li>
 *   <li>Real histograms with buckets: {@code convserve_request_duration_seconds},
 *       {@code convserve_queue_duration_seconds}, {@code convserve_compute_duration_seconds},
 *       {@code convserve_batch_size}; {@code convserve_model_load_duration_seconds} and
 *       {@code convserve_models_loaded}.</li>
 * </ul>
 * Labels {@code model} and {@code version} come from the registry only: a request for an unknown model never
 * reaches here.
 */
@Component
public class InferenceMetrics implements InferenceListener {

    private static final Duration[] SLOS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)};

    /** The meters of one model version. */
    private final class VersionMeters {
        final AtomicLong success = new AtomicLong();
        final Map<FailureReason, AtomicLong> failures = new ConcurrentHashMap<>();
        final AtomicLong inferences = new AtomicLong();
        final AtomicLong executions = new AtomicLong();
        final AtomicLong pending = new AtomicLong();
        final AtomicLong requestMicros = new AtomicLong();
        final AtomicLong queueMicros = new AtomicLong();
        final AtomicLong computeMicros = new AtomicLong();
        final Timer requestTimer;
        final Timer queueTimer;
        final Timer computeTimer;
        final DistributionSummary batchSize;
        final Tags tags;

        VersionMeters(Tags tags) {
            this.tags = tags;
            gauge("nv_inference_request_success", "Successful inference requests (cumulative)", success);
            gauge("nv_inference_count", "Inferences performed: one per example of a batch (cumulative)", inferences);
            gauge("nv_inference_exec_count", "Forward passes executed (cumulative)", executions);
            gauge("nv_inference_pending_request_count", "Requests received and not yet answered", pending);
            gauge("nv_inference_request_duration_us", "Cumulative end-to-end request time, microseconds", requestMicros);
            gauge("nv_inference_queue_duration_us", "Cumulative time requests waited in the queue, microseconds",
                    queueMicros);
            gauge("nv_inference_compute_infer_duration_us", "Cumulative forward-pass time, microseconds",
                    computeMicros);
            for (FailureReason reason : FailureReason.values()) {
                AtomicLong count = new AtomicLong();
                failures.put(reason, count);
                Gauge.builder("nv_inference_request_failure", count, AtomicLong::get)
                        .description("Failed inference requests by reason (cumulative)")
                        .tags(tags.and("reason", reason.name())).register(registry);
            }
            requestTimer = timer("convserve_request_duration", "End-to-end inference request latency");
            queueTimer = timer("convserve_queue_duration", "Time a request waited before its forward pass");
            computeTimer = timer("convserve_compute_duration", "Forward-pass latency of one batch");
            batchSize = DistributionSummary.builder("convserve_batch_size")
                    .description("Examples per forward pass").tags(tags)
                    .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
        }

        private void gauge(String name, String description, AtomicLong value) {
            Gauge.builder(name, value, AtomicLong::get).description(description).tags(tags).register(registry);
        }

        private Timer timer(String name, String description) {
            return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(SLOS)
                    .register(registry);
        }
    }

    private final MeterRegistry registry;
    private final Map<LoadedModel.Id, VersionMeters> meters = new ConcurrentHashMap<>();

    public InferenceMetrics(MeterRegistry registry, ModelRegistry models) {
        this.registry = registry;
        Gauge.builder("convserve_models_loaded", models, m -> m.latest().size())
                .description("Models with at least one version loaded").register(registry);
        models.all().forEach(this::loaded);
        models.onLoaded(this::loaded);
    }

    /** Load time of a model version (weights read or generated, network built). */
    private void loaded(LoadedModel model) {
        Timer.builder("convserve_model_load_duration").description("Time to load a model version: read or generate its weights and build it")
                .tags("model", model.name(), "version", model.version()).register(registry)
                .record(model.loadTime());
    }

    private VersionMeters of(LoadedModel model) {
        return meters.computeIfAbsent(model.id(),
                k -> new VersionMeters(Tags.of("model", model.name(), "version", model.version())));
    }

    @Override
    public void requestStarted(LoadedModel model) {
        of(model).pending.incrementAndGet();
    }

    @Override
    public void requestSucceeded(LoadedModel model, long nanos, long queueNanos) {
        VersionMeters m = of(model);
        m.pending.decrementAndGet();
        m.success.incrementAndGet();
        m.requestMicros.addAndGet(nanos / 1000);
        m.queueMicros.addAndGet(queueNanos / 1000);
        m.requestTimer.record(nanos, TimeUnit.NANOSECONDS);
        m.queueTimer.record(queueNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void requestFailed(LoadedModel model, FailureReason reason, long nanos) {
        VersionMeters m = of(model);
        m.pending.decrementAndGet();
        m.failures.get(reason).incrementAndGet();
        m.requestMicros.addAndGet(nanos / 1000);
    }

    @Override
    public void executed(LoadedModel model, long batchSize, long inputNanos, long inferNanos, long outputNanos) {
        VersionMeters m = of(model);
        m.executions.incrementAndGet();
        m.inferences.addAndGet(batchSize);
        m.computeMicros.addAndGet(inferNanos / 1000);
        m.computeTimer.record(inferNanos, TimeUnit.NANOSECONDS);
        m.batchSize.record(batchSize);
    }
}
