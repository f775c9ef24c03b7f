package io.convserve;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A stand-in for an OpenTelemetry collector: an OTLP/HTTP endpoint ({@code /v1/traces}) that decodes the spans it
 * receives with opentelemetry-proto and keeps them for a test to look at.
 */
public final class OtlpCollector implements AutoCloseable {

    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    public OtlpCollector() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
                for (ResourceSpans resource : request.getResourceSpansList()) {
                    for (ScopeSpans scope : resource.getScopeSpansList()) {
                        spans.addAll(scope.getSpansList());
                    }
                }
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    /** Points the service's OTLP exporter here, sending every 100 ms. */
    public void register(org.springframework.test.context.DynamicPropertyRegistry properties) {
        properties.add("management.opentelemetry.tracing.export.otlp.endpoint", this::endpoint);
        properties.add("management.opentelemetry.tracing.export.schedule-delay", () -> "100ms");
    }

    /** What {@code management.opentelemetry.tracing.export.otlp.endpoint} is set to. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    /** The spans of one trace received so far, waiting up to 10 s for at least {@code atLeast}. */
    public List<Span> trace(String traceId, int atLeast) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (of(traceId).size() >= atLeast) {
                break;
            }
            Thread.sleep(100);
        }
        return of(traceId);
    }

    private List<Span> of(String traceId) {
        return spans.stream().filter(s -> hex(s.getTraceId()).equals(traceId)).toList();
    }

    public static String hex(com.google.protobuf.ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }

    public static Map<String, String> attributes(Span span) {
        return span.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey,
                kv -> kv.getValue().hasStringValue() ? kv.getValue().getStringValue() : kv.getValue().toString(),
                (a, b) -> a));
    }

    public static Span named(List<Span> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span '" + name + "' among " + spans.stream()
                        .map(Span::getName).toList()));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
