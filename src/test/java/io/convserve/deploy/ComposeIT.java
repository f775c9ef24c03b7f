package io.convserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docker-compose.yml for real with docker-compose v1: config -q, up --build, the service turns healthy,
 * Prometheus scrapes it (asked through its HTTP API), down -v.
 */
class ComposeIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Test
    void composeStartsTheServiceAndPrometheusScrapesIt() throws Exception {
        Docker.requireEngine();
        Docker.jar(); // the image is built from it
        String project = "convserve-it-" + UUID.randomUUID().toString().substring(0, 8);
        int servicePort = Docker.freePort();
        int prometheusPort = Docker.freePort();
        int grpcPort = Docker.freePort();
        int managementPort = Docker.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("CONVSERVE_JDK_IMAGE", Docker.JDK_IMAGE);
        env.put("CONVSERVE_RUNTIME_IMAGE", Docker.RUNTIME_IMAGE);
        env.put("PROMETHEUS_IMAGE", Docker.PROMETHEUS_IMAGE);
        env.put("CONVSERVE_IMAGE", "convserve-it:" + project);
        env.put("CONVSERVE_PORT", Integer.toString(servicePort));
        env.put("PROMETHEUS_PORT", Integer.toString(prometheusPort));
        env.put("CONVSERVE_GRPC_PORT", Integer.toString(grpcPort));
        env.put("CONVSERVE_MANAGEMENT_PORT", Integer.toString(managementPort));
        String[] compose = {"docker-compose", "-f", "docker-compose.yml", "-p", project};

        Docker.ok(env, 60, concat(compose, "config", "-q"));
        long start = System.nanoTime();
        try {
            Docker.ok(env, 900, concat(compose, "up", "-d", "--build"));
            System.out.printf("docker-compose up -d --build: %d s%n", (System.nanoTime() - start) / 1_000_000_000L);
            // up -d returns once prometheus started, i.e. after convserve turned healthy (depends_on)
            String id = Docker.ok(env, 60, concat(compose, "ps", "-q", "convserve")).trim();
            assertThat(Docker.ok(env, 60, "docker", "inspect", "-f", "{{.State.Health.Status}}", id).trim())
                    .isEqualTo("healthy");
            assertThat(get("http://localhost:" + servicePort + "/readyz").statusCode()).isEqualTo(200);
            assertThat(get("http://localhost:" + managementPort + "/actuator/health/readiness").statusCode())
                    .isEqualTo(200);

            // Prometheus (5 s scrape interval) has scraped convserve: up == 1 and the model gauge is there
            String up = waitForValue(prometheusPort, "up{job=\"convserve\"}", Duration.ofSeconds(90));
            assertThat(up).isEqualTo("1");
            assertThat(waitForValue(prometheusPort, "convserve_models_loaded", Duration.ofSeconds(30))).isEqualTo("3");
            JsonNode targets = JSON.readTree(get("http://localhost:" + prometheusPort + "/api/v1/targets").body());
            assertThat(targets.toString()).contains("\"health\":\"up\"").contains("/actuator/prometheus");
            System.out.printf("compose healthy and scraped after %d s%n", (System.nanoTime() - start) / 1_000_000_000L);
        } finally {
            Docker.Result down = Docker.run(env, 300, concat(compose, "down", "-v", "--remove-orphans"));
            Docker.run(env, 120, "docker", "rmi", "-f", "convserve-it:" + project);
            assertThat(down.exitCode()).as(down.output()).isZero();
        }
    }

    private String waitForValue(int port, String query, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String url = "http://localhost:" + port + "/api/v1/query?query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = get(url);
                last = response.body();
                JsonNode result = JSON.readTree(last).path("data").path("result");
                if (response.statusCode() == 200 && result.size() > 0) {
                    String value = result.get(0).path("value").get(1).asString();
                    if (!"0".equals(value)) {
                        return value;
                    }
                }
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("Prometheus never answered " + query + " with a value; last: " + last);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
