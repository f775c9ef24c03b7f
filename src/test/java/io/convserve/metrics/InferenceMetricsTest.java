package io.convserve.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.test.web.server.LocalManagementPort;

/** The numbers on /actuator/prometheus move as requests are served: N requests of batch b count N and N*b. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class InferenceMetricsTest {

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    final HttpClient client = HttpClient.newHttpClient();

    String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + (path.startsWith("/actuator/") ? managementPort : port) + path))
                .header("Content-Type", "application/json");
        b = body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of one sample line, 0 when absent. */
    static double sample(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{" + labels + "\\} ([0-9.eE+-]+)$")
                .matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
    }

    static String batch(int n) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < n * 784; i++) {
            data.append(i > 0 ? "," : "").append(i % 7 == 0 ? "1.5" : "-0.4");
        }
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": [" + n + ", 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": [" + data + "]}]}";
    }

    @Test
    void countersAndHistogramsMoveWithRequestsBatchesAndFailures() throws Exception {
        String lenet = "model=\"lenet5\",version=\"1\"";
        String before = send("GET", "/actuator/prometheus", null);

        for (int i = 0; i < 3; i++) {
            send("POST", "/v2/models/lenet5/infer", batch(2));
        }
        send("POST", "/v2/models/lenet5/infer", "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 28, 28], "
                + "\"datatype\": \"FP32\", \"data\": [1]}]}");
        send("POST", "/v2/models/no-such-model/infer", batch(1));
        String after = send("GET", "/actuator/prometheus", null);

        assertThat(sample(after, "nv_inference_request_success", lenet)
                - sample(before, "nv_inference_request_success", lenet)).isEqualTo(3);
        assertThat(sample(after, "nv_inference_count", lenet) - sample(before, "nv_inference_count", lenet)).isEqualTo(6);
        assertThat(sample(after, "nv_inference_exec_count", lenet)
                - sample(before, "nv_inference_exec_count", lenet)).isEqualTo(3);
        String other = "model=\"lenet5\",reason=\"OTHER\",version=\"1\"";
        assertThat(sample(after, "nv_inference_request_failure", other)
                - sample(before, "nv_inference_request_failure", other)).isEqualTo(1);
        assertThat(sample(after, "nv_inference_pending_request_count", lenet)).isEqualTo(0);
        assertThat(sample(after, "nv_inference_compute_infer_duration_us", lenet))
                .isGreaterThan(sample(before, "nv_inference_compute_infer_duration_us", lenet));
        assertThat(sample(after, "convserve_request_duration_seconds_count", lenet)
                - sample(before, "convserve_request_duration_seconds_count", lenet)).isEqualTo(3);
        assertThat(sample(after, "convserve_batch_size_bucket", lenet + ",le=\"2.0\"")
                - sample(before, "convserve_batch_size_bucket", lenet + ",le=\"2.0\"")).isEqualTo(3);
        assertThat(sample(after, "convserve_batch_size_bucket", lenet + ",le=\"1.0\"")
                - sample(before, "convserve_batch_size_bucket", lenet + ",le=\"1.0\"")).isEqualTo(0);
        assertThat(after).contains("convserve_compute_duration_seconds_bucket{" + lenet + ",le=\"0.005\"}");
        assertThat(after).containsPattern("(?m)^convserve_models_loaded 3(\\.0)?$");
        assertThat(after).doesNotContain("no-such-model");
        assertThat(after).contains("jvm_memory_used_bytes", "process_cpu_usage");
    }
}
