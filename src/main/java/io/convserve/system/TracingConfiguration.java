package io.convserve.system;

import io.convserve.serving.RequestTracing;
import io.micrometer.observation.Observation;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

/**
 * The serving layer's spans (queue, batch, image decoding) through Micrometer Tracing's OpenTelemetry bridge. Spans
 * are exported over OTLP only when {@code management.opentelemetry.tracing.export.otlp.endpoint} is set
 * (docs/observability.md).
 * <p>
 * A request is traced when its spans can go somewhere: when the sampling probability is above 0 (the default with an
 * endpoint, {@link TracingDefaults}) or when the caller sends a trace context ({@code traceparent}, B3, baggage). A
 * request that arrives without one while nothing is sampled gets no span at all: an unrecorded trace would only put
 * ids nobody can look up into its log lines (its {@code X-Request-Id} correlates them), and making its context costs
 * about a tenth of a small request. Spring Boot's two handlers that would start the server span are replaced here by
 * the same handlers declining such requests.
 */
@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

    static final String PROBABILITY = TracingDefaults.PROBABILITY;

    @Bean
    RequestTracing requestTracing(ObjectProvider<Tracer> tracer) {
        return new RequestTracing(tracer.getIfAvailable(() -> Tracer.NOOP));
    }

    @Bean
    TracedRequests tracedRequests(Environment environment, ObjectProvider<Propagator> propagator) {
        double probability = environment.getProperty(PROBABILITY, Double.class, 0.1); // Spring Boot's default
        return new TracedRequests(probability > 0, propagator.getIfAvailable(() -> Propagator.NOOP).fields());
    }

    @Bean
    @Order(MicrometerTracingAutoConfiguration.RECEIVER_TRACING_OBSERVATION_HANDLER_ORDER)
    PropagatingReceiverTracingObservationHandler<?> propagatingReceiverTracingObservationHandler(
            ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator, TracedRequests traced) {
        return new PropagatingReceiverTracingObservationHandler<>(tracer.getIfAvailable(() -> Tracer.NOOP),
                propagator.getIfAvailable(() -> Propagator.NOOP)) {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return super.supportsContext(context) && traced.test(context);
            }
        };
    }

    @Bean
    @Order(MicrometerTracingAutoConfiguration.DEFAULT_TRACING_OBSERVATION_HANDLER_ORDER)
    DefaultTracingObservationHandler defaultTracingObservationHandler(ObjectProvider<Tracer> tracer,
                                                                      TracedRequests traced) {
        return new DefaultTracingObservationHandler(tracer.getIfAvailable(() -> Tracer.NOOP)) {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return super.supportsContext(context) && traced.test(context);
            }
        };
    }
}
