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
 * every line a request causes carries its request id (the one returned in {@code X-Request-Id}) and its trace and
 * span ids.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "logging.structured.format.console=ecs")
@ExtendWith(OutputCaptureExtension.class)
class StructuredLoggingTest {

    @LocalServerPort
    int port;

    @Test
    void logLinesOfARequestAreJsonWithItsRequestAndTraceIds(CapturedOutput output) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v2/repository/models/lenet5/load"))
                .header("Content-Type", "application/json").header("X-Request-Id", "reload-42")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Request-Id")).hasValue("reload-42");

        JsonMapper json = JsonMapper.builder().build();
        List<JsonNode> lines = output.getOut().lines().filter(l -> l.startsWith("{")).map(json::readTree)
                .filter(n -> n.path("request_id").asString("").equals("reload-42")).toList();
        assertThat(lines).as("JSON log lines of the request").isNotEmpty();
        JsonNode serving = lines.stream().filter(n -> n.path("message").asString("").startsWith("serving model=lenet5"))
                .findFirst().orElseThrow(() -> new AssertionError("no 'serving model=lenet5' line in " + lines));
        assertThat(serving.path("traceId").asString("")).matches("[0-9a-f]{32}");
        assertThat(serving.path("spanId").asString("")).matches("[0-9a-f]{16}");
        assertThat(serving.path("log").path("level").asString("")).isEqualTo("INFO");

        HttpResponse<String> generated = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v2/health/live")).header("X-Request-Id", "not a token; <b>")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(generated.headers().firstValue("X-Request-Id").orElseThrow())
                .as("an id that is not a plain token is replaced").matches("[0-9a-f-]{36}");
    }
}
