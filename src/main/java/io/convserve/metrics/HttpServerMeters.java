package io.convserve.metrics;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Spring's {@code http.server.requests} timer and its {@code .active} long-task timer, for a successful POST served
 * without an observation (the infer fast lane): the same meters, with the tags Spring's
 * {@code DefaultServerRequestObservationConvention} and Micrometer's {@code DefaultMeterObservationHandler} give such a
 * request, looked up once instead of built per request.
 */
public final class HttpServerMeters {

    private final MeterRegistry registry;
    private final String name;
    private final boolean enabled;
    private final Map<String, Timer> succeeded = new ConcurrentHashMap<>();
    private volatile LongTaskTimer activePosts;

    /**
     * @param name    the observation's name ({@code management.observations.http.server.requests.name})
     * @param enabled false when that observation is switched off, as it then records nothing
     */
    public HttpServerMeters(MeterRegistry registry, String name, boolean enabled) {
        this.registry = registry;
        this.name = name;
        this.enabled = enabled;
    }

    /** Starts timing a POST in flight (null when the observation is off). */
    public LongTaskTimer.Sample postStarted() {
        if (!enabled) {
            return null;
        }
        LongTaskTimer active = activePosts;
        if (active == null) {
            // the tags an observation has when it starts: no route matched yet, no status set
            active = LongTaskTimer.builder(name + ".active").tags("exception", "none", "method", "POST",
                    "outcome", "SUCCESS", "status", "200", "uri", "UNKNOWN").register(registry);
            activePosts = active;
        }
        return active.start();
    }

    /** A POST to the route {@code uri} (its pattern, e.g. {@code /v2/models/{model}/infer}) answered 200. */
    public void postSucceeded(LongTaskTimer.Sample started, String uri, long nanos) {
        if (started == null) {
            return;
        }
        started.stop();
        succeeded.computeIfAbsent(uri, u -> Timer.builder(name).tags("error", "none", "exception", "none",
                "method", "POST", "outcome", "SUCCESS", "status", "200", "uri", u).register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The request went on to be observed after all: it is no longer in flight here. */
    public void postHandedOn(LongTaskTimer.Sample started) {
        if (started != null) {
            started.stop();
        }
    }
}
