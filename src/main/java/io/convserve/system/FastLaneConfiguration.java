package io.convserve.system;

import io.convserve.api.InferBodyLimits;
import io.convserve.api.InferHandler;
import io.convserve.metrics.HttpServerMeters;
import io.convserve.serving.ApiKeys;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * The infer fast lane's two places in the filter chain ({@link InferFastLane}): after the request id
 * ({@link RequestIdFilter}, first), then the untraced lane, then Spring Boot's {@code http.server.requests}
 * observation (moved one place down from its usual order to make room), then the traced lane.
 */
@Configuration(proxyBeanMethods = false)
@org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication(
        type = org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type.SERVLET)
class FastLaneConfiguration {

    static final int UNTRACED_LANE = Ordered.HIGHEST_PRECEDENCE + 1;
    static final int OBSERVATION = Ordered.HIGHEST_PRECEDENCE + 2;
    static final int TRACED_LANE = Ordered.HIGHEST_PRECEDENCE + 3;

    static final String NAME = "management.observations.http.server.requests.name";

    @Bean
    HttpServerMeters httpServerMeters(MeterRegistry registry, Environment environment) {
        String name = environment.getProperty(NAME, "http.server.requests");
        return new HttpServerMeters(registry, name, observationEnabled(environment, name));
    }

    /** Spring Boot's {@code management.observations.enable.<prefix>}: the longest prefix of the name set decides. */
    static boolean observationEnabled(Environment environment, String name) {
        for (String prefix = name; !prefix.isEmpty();
             prefix = prefix.contains(".") ? prefix.substring(0, prefix.lastIndexOf('.')) : "") {
            Boolean enabled = environment.getProperty("management.observations.enable." + prefix, Boolean.class);
            if (enabled != null) {
                return enabled;
            }
        }
        return true;
    }

    @Bean
    FilterRegistrationBean<InferFastLane> untracedInferLane(InferHandler handler, InferBodyLimits limits, ApiKeys keys,
                                                            TracedRequests traced, HttpServerMeters meters) {
        return lane(new InferFastLane(handler, limits, keys, InferFastLane.Position.BEFORE_OBSERVATION, traced, meters),
                "untracedInferLane", UNTRACED_LANE);
    }

    @Bean
    FilterRegistrationBean<InferFastLane> tracedInferLane(InferHandler handler, InferBodyLimits limits, ApiKeys keys,
                                                          TracedRequests traced, HttpServerMeters meters) {
        return lane(new InferFastLane(handler, limits, keys, InferFastLane.Position.OBSERVED, traced, meters),
                "tracedInferLane", TRACED_LANE);
    }

    private static FilterRegistrationBean<InferFastLane> lane(InferFastLane lane, String name, int order) {
        FilterRegistrationBean<InferFastLane> registration = new FilterRegistrationBean<>(lane);
        registration.setName(name);
        registration.setOrder(order);
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        return registration;
    }

    /** Moves Spring Boot's observation filter from HIGHEST_PRECEDENCE + 1 to between the two lanes. */
    @Bean
    static BeanPostProcessor observationAfterTheUntracedLane() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof FilterRegistrationBean<?> registration
                        && registration.getFilter() instanceof ServerHttpObservationFilter) {
                    registration.setOrder(OBSERVATION);
                }
                return bean;
            }
        };
    }
}
