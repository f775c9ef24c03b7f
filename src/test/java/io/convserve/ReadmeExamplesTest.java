package io.convserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Every {@code $} command of README.md (curl, the Java client) against the service on its bundled models, as a
 * newcomer runs it from a clone, compared with what README prints below it. The Python client's command runs in
 * {@link ReadmePythonExampleTest}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReadmeExamplesTest {

    @LocalServerPort
    int port;

    @TestFactory
    Stream<DynamicTest> readmeCommandsAnswerAsPrinted() throws Exception {
        List<ReadmeExamples> examples = ReadmeExamples.all().stream()
                .filter(e -> !e.command().startsWith("python3 ")).toList();
        assertThat(examples).extracting(ReadmeExamples::command)
                .anyMatch(c -> c.contains("examples/infer-lenet5.json"))
                .anyMatch(c -> c.startsWith("java examples/java/Infer.java"));
        return examples.stream().map(e -> DynamicTest.dynamicTest(e.command().lines().findFirst().orElseThrow(), () -> {
            String actual = e.run(port, ReadmeExamples.python());
            assertThat(e.printedAs(actual)).as("README prints\n%s\nthe command printed\n%s", e.expected(), actual)
                    .isTrue();
        }));
    }

    @Test
    void readmeRunCommandIsTheWrapper() throws Exception {
        assertThat(Files.readString(ReadmeExamples.README)).contains("```\n./mvnw spring-boot:run\n```");
    }

    /** The committed infer body is the committed digit as lenet5's preprocessing makes it, so both stay in step. */
    @Test
    void inferExampleIsTheDigitImagePreprocessed() throws Exception {
        HttpResponse<String> tensor = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v2/models/lenet5/preprocess"))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofFile(Path.of("data/mnist/png/00007_label7.png"))).build(),
                HttpResponse.BodyHandlers.ofString());
        ObjectMapper json = new ObjectMapper();
        JsonNode fresh = json.readTree(tensor.body()).get("inputs").get(0);
        JsonNode committed = json.readTree(Files.readString(Path.of("examples/infer-lenet5.json"))).get("inputs").get(0);
        assertThat(committed.get("shape")).isEqualTo(fresh.get("shape"));
        assertThat(committed.get("data").size()).isEqualTo(784).isEqualTo(fresh.get("data").size());
        for (int i = 0; i < 784; i++) {
            assertThat(committed.get("data").get(i).asDouble()).as("value %d", i)
                    .isCloseTo(fresh.get("data").get(i).asDouble(), org.assertj.core.data.Offset.offset(1e-6));
        }
    }
}
