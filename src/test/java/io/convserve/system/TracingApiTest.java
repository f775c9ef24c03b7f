package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.OtlpCollector;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Traces leave the service over OTLP/HTTP to a collector, here a local endpoint that decodes what it receives with
 * opentelemetry-proto: a request that arrives with a W3C traceparent continues that trace through the HTTP server
 * span, its queue wait and the batch that computed it (linked to the request), with the model, version and batch
 * size as attributes; an image request also gets its decoding span.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingApiTest {

    static final OtlpCollector COLLECTOR = new OtlpCollector();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void otlp(DynamicPropertyRegistry properties) {
        COLLECTOR.register(properties);
    }

    @AfterAll
    void stop() {
        COLLECTOR.close();
    }

    private HttpResponse<String> post(String path, HttpRequest.BodyPublisher body, String type, String traceparent)
            throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", type).header("traceparent", traceparent).POST(body).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anInferRequestContinuesTheCallersTraceThroughQueueAndBatch() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        HttpResponse<String> r = post("/v2/models/lenet5/infer", HttpRequest.BodyPublishers.ofString(
                "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [2, 1, 28, 28], \"data\": "
                        + java.util.Arrays.toString(new float[2 * 784]) + "}]}"), "application/json",
                "00-" + traceId + "-" + callerSpan + "-01");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Request-Id")).isPresent();

        List<Span> spans = COLLECTOR.trace(traceId, 3);
        Span server = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst()
                .orElseThrow(() -> new AssertionError("no server span in " + spans));
        assertThat(OtlpCollector.hex(server.getParentSpanId())).isEqualTo(callerSpan);
        Span queue = OtlpCollector.named(spans, "convserve.queue");
        assertThat(OtlpCollector.hex(queue.getParentSpanId())).isEqualTo(OtlpCollector.hex(server.getSpanId()));
        assertThat(OtlpCollector.attributes(queue)).containsEntry("model", "lenet5").containsEntry("version", "1");
        Span batch = OtlpCollector.named(spans, "convserve.batch");
        assertThat(OtlpCollector.attributes(batch)).containsEntry("model", "lenet5").containsEntry("version", "1")
                .containsEntry("batch_size", "2");
        assertThat(batch.getLinksList()).anySatisfy(link -> assertThat(OtlpCollector.hex(link.getSpanId()))
                .isEqualTo(OtlpCollector.hex(server.getSpanId())));
        assertThat(batch.getStartTimeUnixNano()).isGreaterThanOrEqualTo(queue.getEndTimeUnixNano() - 1_000_000);

        // traced requests leave no exemplars in the scrape: Prometheus 2.42 refuses the whole scrape over one
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + managementPort + "/actuator/prometheus"))
                .header("Accept", "application/openmetrics-text;version=1.0.0").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.body()).contains("convserve_queue_duration_seconds_count").doesNotContain(" # {");
    }

    @Test
    void anImageRequestGetsADecodingSpan() throws Exception {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        Path digit = Path.of("data/mnist/png/00007_label7.png");
        HttpResponse<String> r = post("/predictions/lenet5", HttpRequest.BodyPublishers.ofByteArray(
                Files.readAllBytes(digit)), "image/png", "00-" + traceId + "-b7ad6b7169203331-01");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        List<Span> spans = COLLECTOR.trace(traceId, 4);
        assertThat(spans.stream().map(Span::getName)).contains("convserve.image.decode", "convserve.queue",
                "convserve.batch");
    }
}
