package io.convserve.system;

import io.micrometer.observation.Observation;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.tracing.handler.TracingObservationHandler;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;

/**
 * Whether a request gets a trace ({@link TracingConfiguration}): always when spans are sampled, else only when the
 * caller sends a trace context in one of the propagator's {@code fields} (traceparent, B3, baggage).
 */
record TracedRequests(boolean sampling, List<String> fields) {

    /** For an observation about to start: false declines it, for the tracing handlers. */
    boolean test(Observation.Context context) {
        if (sampling || !(context instanceof ReceiverContext<?> received) || carries(received)) {
            return true;
        }
        // the handler that times the request looks for the tracing state the declined handlers would have left
        context.computeIfAbsent(TracingObservationHandler.TracingContext.class,
                key -> new TracingObservationHandler.TracingContext());
        return false;
    }

    /** For an HTTP request that has not been observed yet. */
    boolean test(HttpServletRequest request) {
        if (sampling) {
            return true;
        }
        for (String field : fields) {
            if (request.getHeader(field) != null) {
                return true;
            }
        }
        return false;
    }

    private <C> boolean carries(ReceiverContext<C> received) {
        C carrier = received.getCarrier();
        if (carrier == null) {
            return true;
        }
        for (String field : fields) {
            if (received.getGetter().get(carrier, field) != null) {
                return true;
            }
        }
        return false;
    }
}
