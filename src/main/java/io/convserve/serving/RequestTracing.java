package io.convserve.serving;

import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import java.util.List;
import java.util.function.Supplier;

/**
 * The spans a request gets inside the service, beside the protocol's own server span: its wait in the model's queue
 * ({@code convserve.queue}), the forward pass that served it ({@code convserve.batch}: one span per merged batch,
 * a child of its first request's trace and linked to every request it served) and image decoding
 * ({@code convserve.image.decode}). Only requests that arrive inside a trace get them; with tracing off
 * ({@link Tracer#NOOP}) nothing is recorded.
 */
public final class RequestTracing {

    public static final RequestTracing OFF = new RequestTracing(Tracer.NOOP);

    private final Tracer tracer;

    public RequestTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    /** The calling thread's trace context, or null when it is in none. */
    TraceContext current() {
        return tracer == Tracer.NOOP ? null : tracer.currentTraceContext().context();
    }

    /** A child span of {@code parent} started now, or null without a parent. */
    Span start(String name, TraceContext parent, String model, String version) {
        if (parent == null) {
            return null;
        }
        return tracer.spanBuilder().setParent(parent).name(name).tag("model", model).tag("version", version).start();
    }

    /**
     * The span of one merged forward pass of {@code examples}, a child of the first traced request's trace and linked
     * to every traced request it serves ({@code traced}, not empty).
     */
    Span batch(List<TraceContext> traced, String model, String version, int examples) {
        Span.Builder builder = tracer.spanBuilder().setParent(traced.get(0)).name("convserve.batch")
                .tag("model", model).tag("version", version).tag("batch_size", Integer.toString(examples))
                .tag("requests", Integer.toString(traced.size()));
        for (TraceContext request : traced) {
            builder.addLink(new Link(request));
        }
        return builder.start();
    }

    static void end(Span span, Throwable error) {
        if (span != null) {
            if (error != null) {
                span.error(error);
            }
            span.end();
        }
    }

    /** Runs {@code work} in a child span of the current trace (when there is one). */
    public <T> T inSpan(String name, String model, Supplier<T> work) {
        Span span = start(name, current(), model, "");
        if (span == null) {
            return work.get();
        }
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            return work.get();
        } catch (RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }
}
