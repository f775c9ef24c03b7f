package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * {@code api-spec/openapi.yaml} is the committed contract: it must equal what the service serves. After an
 * intended API change, regenerate it with {@code mvn test -Dtest=OpenApiContractTest -Dapi-spec.write=true}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenApiContractTest {

    static final Path SPEC = Path.of("api-spec/openapi.yaml");

    @LocalServerPort
    int port;

    @Test
    void committedSpecEqualsTheServedDocument() throws Exception {
        HttpJson.Response served = new HttpJson(port).get("/v3/api-docs.yaml");
        assertThat(served.status()).isEqualTo(200);
        if (Boolean.getBoolean("api-spec.write")) {
            Files.writeString(SPEC, served.body(), StandardCharsets.UTF_8);
        }

        String committed = Files.readString(SPEC, StandardCharsets.UTF_8);

        assertThat(served.body())
                .as("the served OpenAPI document differs from %s; if the change is intended, regenerate it with "
                        + "-Dapi-spec.write=true", SPEC)
                .isEqualTo(committed);
    }

    @Test
    void swaggerUiAndExamplesAreServed() {
        HttpJson http = new HttpJson(port);
        assertThat(http.get("/swagger-ui/index.html").status()).isEqualTo(200);
        assertThat(http.get("/swagger-ui.html").status()).isIn(200, 302);

        JsonNode doc = http.get("/v3/api-docs").json();
        JsonNode example = doc.at("/paths/~1v2~1models~1{model}~1infer/post/requestBody/content/application~1json"
                + "/examples/lenet5_digit/value");
        assertThat(example.at("/inputs/0/data").size()).isEqualTo(784);
        assertThat(doc.at("/paths/~1v2~1models~1{model}~1infer/post/operationId").asString()).isEqualTo("infer");
    }

    /** The documented examples work as-is against the bundled lenet5: the digit is classified as its label. */
    @Test
    void documentedExamplesWorkAgainstTheBundledModel() {
        HttpJson http = new HttpJson(port);
        JsonNode doc = http.get("/v3/api-docs").json();
        JsonNode infer = doc.at("/paths/~1v2~1models~1{model}~1infer/post/requestBody/content/application~1json"
                + "/examples/lenet5_digit/value");
        JsonNode predict = doc.at("/paths/~1v1~1models~1{model}:predict/post/requestBody/content/application~1json"
                + "/examples/lenet5_digit/value");
        String label = infer.get("id").asString().replace("digit-", "");

        HttpJson.Response inferResponse = http.post("/v2/models/lenet5/infer", infer.toString(), "application/json");
        HttpJson.Response predictResponse = http.post("/v1/models/lenet5:predict", predict.toString(), "application/json");

        assertThat(inferResponse.status()).isEqualTo(200);
        assertThat(inferResponse.json().at("/outputs/0/data/0").asString()).contains(":" + label + ":" + label);
        assertThat(predictResponse.status()).isEqualTo(200);
        JsonNode row = predictResponse.json().at("/predictions/0");
        int best = 0;
        for (int i = 1; i < row.size(); i++) {
            best = row.get(i).asDouble() > row.get(best).asDouble() ? i : best;
        }
        assertThat(Integer.toString(best)).isEqualTo(label);
    }
}
