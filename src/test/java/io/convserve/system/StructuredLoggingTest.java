package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One property switches the console to structured JSON (Spring Boot's {@code logging.structured.format.console});
 * every line a request causes carries its request id (the one returned in {@code X-Request-Id}), and the ids of the
 * caller's trace when it sends one. Without a trace context from the caller and with nothing sampled (no OTLP
 * endpoint), a request gets no trace: no span ids that lead nowhere.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "logging.structured.format.console=ecs")
@ExtendWith(OutputCaptureExtension.class)
class StructuredLoggingTest {

    @LocalServerPort
    int port;

    /** The 'serving model=lenet5' log line of a reload sent with the request id and, if not null, a traceparent. */
    JsonNode reloadLine(CapturedOutput output, String requestId, String traceparent) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v2/repository/models/lenet5/load"))
                .header("Content-Type", "application/json").header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Request-Id")).hasValue(requestId);

        JsonMapper json = JsonMapper.builder().build();
        List<JsonNode> lines = output.getOut().lines().filter(l -> l.startsWith("{")).map(json::readTree)
                .filter(n -> n.path("request_id").asString("").equals(requestId)).toList();
        assertThat(lines).as("JSON log lines of the request").isNotEmpty();
        return lines.stream().filter(n -> n.path("message").asString("").startsWith("serving model=lenet5"))
                .findFirst().orElseThrow(() -> new AssertionError("no 'serving model=lenet5' line in " + lines));
    }

    @Test
    void logLinesOfARequestAreJsonWithItsRequestAndTraceIds(CapturedOutput output) throws Exception {
        String traceId = "7bf92f3577b34da6a3ce929d0e0e4731";
        JsonNode traced = reloadLine(output, "reload-42", "00-" + traceId + "-00f067aa0ba902b7-00");
        assertThat(traced.path("traceId").asString("")).as("the caller's trace").isEqualTo(traceId);
        assertThat(traced.path("spanId").asString("")).matches("[0-9a-f]{16}").isNotEqualTo("00f067aa0ba902b7");
        assertThat(traced.path("log").path("level").asString("")).isEqualTo("INFO");

        JsonNode untraced = reloadLine(output, "reload-43", null);
        assertThat(untraced.has("traceId")).as("no trace without a caller's context or sampling: " + untraced).isFalse();

        HttpResponse<String> generated = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v2/health/live")).header("X-Request-Id", "not a token; <b>")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(generated.headers().firstValue("X-Request-Id").orElseThrow())
                .as("an id that is not a plain token is replaced").matches("[0-9a-f-]{36}");
    }
}
