package io.convserve.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.test.web.server.LocalManagementPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Every metric the committed Grafana dashboard queries is one the service exports. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardTest {

    static final Set<String> PROMQL_WORDS = Set.of("sum", "by", "rate", "histogram_quantile", "max", "le", "model",
            "version", "reason", "area", "heap", "avg", "irate");

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Test
    void dashboardQueriesOnlyExportedMetrics() throws Exception {
        JsonNode dashboard = JsonMapper.builder().build()
                .readTree(Files.readString(Path.of("deploy/grafana/convserve-dashboard.json")));
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asString().replaceAll("\\{[^}]*}", "").replaceAll("\\[[^]]*]", "");
                Matcher m = Pattern.compile("[a-z_][a-z0-9_]*").matcher(expr);
                while (m.find()) {
                    if (!PROMQL_WORDS.contains(m.group())) {
                        queried.add(m.group());
                    }
                }
            }
        }
        HttpClient client = HttpClient.newHttpClient();
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 784; i++) {
            data.append(i > 0 ? "," : "").append("0.5");
        }
        client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v2/models/lenet5/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], "
                        + "\"datatype\": \"FP32\", \"data\": [" + data + "]}]}")).build(), HttpResponse.BodyHandlers.ofString());
        String scrape = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + "/actuator/prometheus"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();

        assertThat(queried).contains("nv_inference_request_success", "convserve_request_duration_seconds_bucket");
        for (String metric : queried) {
            assertThat(scrape).as("dashboard metric %s", metric).containsPattern("(?m)^" + metric + "[{ ]");
        }
    }
}
