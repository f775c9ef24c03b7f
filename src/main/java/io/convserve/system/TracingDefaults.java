package io.convserve.system;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Records every request's spans when they go somewhere, none when they do not: with an OTLP endpoint set
 * ({@code management.opentelemetry.tracing.export.otlp.endpoint}) the sampling probability defaults to 1.0, without
 * one to 0.0, where a request still gets trace and span ids (in the logs) but no recorded spans, which cost about a
 * tenth of a small request's time. A caller's sampled {@code traceparent} is honoured either way, and an explicit
 * {@code management.tracing.sampling.probability} always wins.
 */
class TracingDefaults implements EnvironmentPostProcessor, Ordered {

    static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";
    static final String PROBABILITY = "management.tracing.sampling.probability";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(PROBABILITY)) {
            return;
        }
        boolean exporting = environment.getProperty(ENDPOINT, "").isBlank() == false;
        environment.getPropertySources().addLast(new MapPropertySource("convserveTracingDefaults",
                Map.of(PROBABILITY, exporting ? "1.0" : "0.0")));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after the configuration files and the environment are in
    }
}
