package io.convserve.system;

import io.convserve.serving.RequestTracing;
import io.micrometer.tracing.Tracer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The serving layer's spans (queue, batch, image decoding) through Micrometer Tracing's OpenTelemetry bridge. Spans
 * are exported over OTLP only when {@code management.opentelemetry.tracing.export.otlp.endpoint} is set
 * (docs/observability.md); trace and span ids reach the logs either way.
 */
@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

    @Bean
    RequestTracing requestTracing(ObjectProvider<Tracer> tracer) {
        return new RequestTracing(tracer.getIfAvailable(() -> Tracer.NOOP));
    }
}
