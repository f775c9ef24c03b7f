package io.convserve.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Model lifecycle on a repository folder of its own: a new version swapped in under traffic with zero failed
 * requests, a corrupt version that leaves the old one serving, version policy and aliases, readiness, polling.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LifecycleTest {

    static Path repository;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) throws Exception {
        repository = BundledModels.copy("convserve-lifecycle-", "lenet5");
        properties.add("inference.repository", repository::toString);
        properties.add("inference.auth.management", () -> "open"); // keys: AuthApiTest
        properties.add("inference.auth.management-keys", () -> "lifecycle-k3y"); // health details need one
    }

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    final HttpClient client = HttpClient.newHttpClient();
    static final JsonMapper JSON = JsonMapper.builder().build();

    record Reply(int status, JsonNode json) {
    }

    Reply call(String method, String path, String body, String... headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                b.headers(headers);
            }
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final String DIGIT;

    static {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 784; i++) {
            data.append(i > 0 ? "," : "").append(i % 5 == 0 ? "2.0" : "-0.42");
        }
        DIGIT = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", \"data\": ["
                + data + "]}]}";
    }

    void writeModelJson(String extraFields) throws Exception {
        Path json = repository.resolve("lenet5/model.json");
        String text = Files.readString(json);
        text = text.replaceAll(",\\s*\"version_policy\": \\{[^}]*\\{[^}]*}[^}]*}", "")
                .replaceAll(",\\s*\"aliases\": \\{[^}]*}", "");
        int end = text.lastIndexOf('}');
        Files.writeString(json, text.substring(0, end) + (extraFields.isEmpty() ? "" : ", " + extraFields) + "}\n");
    }

    @Test
    void versionsSwapUnderTrafficAndAFailedLoadLeavesTheOldOneServing() throws Exception {
        // traffic on the latest version while version 2 is loaded and swapped in
        AtomicBoolean running = new AtomicBoolean(true);
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        Map<String, Integer> versionsSeen = new ConcurrentHashMap<>();
        Thread traffic = new Thread(() -> {
            while (running.get()) {
                Reply r = call("POST", "/v2/models/lenet5/infer", DIGIT);
                statuses.add(r.status());
                if (r.status() == 200) {
                    versionsSeen.merge(r.json().get("model_version").asString(), 1, Integer::sum);
                }
            }
        });
        traffic.start();
        Thread.sleep(300);
        Files.createDirectories(repository.resolve("lenet5/2"));
        Files.copy(repository.resolve("lenet5/1/weights.npz"), repository.resolve("lenet5/2/weights.npz"));

        Reply load = call("POST", "/v2/repository/models/lenet5/load", "");
        Thread.sleep(500);
        running.set(false);
        traffic.join();

        assertThat(load.status()).isEqualTo(200);
        assertThat(statuses).hasSizeGreaterThan(10).containsOnly(200);
        assertThat(versionsSeen).containsKeys("1", "2");
        assertThat(registry.versions("lenet5")).containsExactly("2"); // default policy: the latest version

        // a corrupt version 3: the load fails with its reason and version 2 keeps serving
        Files.createDirectories(repository.resolve("lenet5/3"));
        Files.writeString(repository.resolve("lenet5/3/weights.npz"), "not an npz");
        Reply failed = call("POST", "/v2/repository/models/lenet5/load", "");
        Reply afterFailure = call("POST", "/v2/models/lenet5/infer", DIGIT);
        Reply index = call("POST", "/v2/repository/index", "{}");

        assertThat(failed.status()).isEqualTo(400);
        assertThat(failed.json().get("error").asString())
                .contains("failed to load 'lenet5'", "version 3", "not a valid .npz");
        assertThat(afterFailure.status()).isEqualTo(200);
        assertThat(afterFailure.json().get("model_version").asString()).isEqualTo("2");
        assertThat(index.json().toString()).contains("\"version\":\"2\",\"state\":\"READY\",\"reason\":\"still serving");
        assertThat(call("GET", "/readyz", null).status()).isEqualTo(200);

        // version policy "all" and aliases, usable wherever a version goes
        Files.delete(repository.resolve("lenet5/3/weights.npz"));
        Files.delete(repository.resolve("lenet5/3"));
        writeModelJson("\"version_policy\": {\"all\": {}}, \"aliases\": {\"stable\": 1, \"canary\": 2}");
        assertThat(call("POST", "/v2/repository/models/lenet5/load", "").status()).isEqualTo(200);

        assertThat(registry.versions("lenet5")).containsExactly("1", "2");
        assertThat(call("GET", "/v2/models/lenet5/versions/stable/ready", null).json().get("version").asString())
                .isEqualTo("1");
        assertThat(call("POST", "/v2/models/lenet5/versions/canary/infer", DIGIT).json().get("model_version")
                .asString()).isEqualTo("2");
        assertThat(call("GET", "/v2/models/lenet5/versions/beta/ready", null).status()).isEqualTo(404);
    }

    @Test
    void readinessFailsWhileAModelHasNoServedVersionAndPollingPicksUpChanges() throws Exception {
        Path broken = repository.resolve("broken");
        Files.createDirectories(broken.resolve("1"));
        Files.writeString(broken.resolve("model.json"), "{\"layers\": [");

        registry.poll();
        Reply readyz = call("GET", "/readyz", null, "X-API-Key", "lifecycle-k3y");
        Reply anonymous = call("GET", "/readyz", null);
        Reply v2ready = call("GET", "/v2/health/ready", null);

        assertThat(readyz.status()).isEqualTo(503);
        assertThat(readyz.json().toString()).contains("broken", "is not valid JSON");
        // the reasons are for management-key holders; anyone else sees the status alone
        assertThat(anonymous.status()).isEqualTo(503);
        assertThat(anonymous.json().toString()).isEqualTo("{\"status\":\"DOWN\"}");
        assertThat(v2ready.status()).isEqualTo(503);
        assertThat(v2ready.json().get("error").asString()).contains("broken");
        // the RFC 9457 fields every other error carries (docs/design.md#errors), and Triton's flag
        assertThat(v2ready.json().get("status").asInt()).isEqualTo(503);
        assertThat(v2ready.json().get("title").asString()).isEqualTo("Service Unavailable");
        assertThat(v2ready.json().get("type").asString()).endsWith("/503");
        assertThat(v2ready.json().get("detail").asString()).isEqualTo(v2ready.json().get("error").asString());
        assertThat(v2ready.json().get("ready").asBoolean()).isFalse();
        assertThat(call("GET", "/livez", null).status()).isEqualTo(200);

        // fixed on disk: the next poll loads it and readiness recovers
        Files.copy(repository.resolve("lenet5/model.json"), broken.resolve("model.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String text = Files.readString(broken.resolve("model.json")).replace("\"name\": \"lenet5\"", "\"name\": \"broken\"");
        Files.writeString(broken.resolve("model.json"), text.replaceAll(",\\s*\"version_policy\": \\{[^}]*\\{[^}]*}[^}]*}", "")
                .replaceAll(",\\s*\"aliases\": \\{[^}]*}", ""));
        Files.copy(repository.resolve("lenet5/1/weights.npz"), broken.resolve("1/weights.npz"));
        registry.poll();

        assertThat(registry.versions("broken")).containsExactly("1");
        assertThat(call("GET", "/readyz", null).status()).isEqualTo(200);

        // removed from disk: the next poll unloads it
        Files.delete(broken.resolve("1/weights.npz"));
        Files.delete(broken.resolve("1"));
        Files.delete(broken.resolve("model.json"));
        Files.delete(broken);
        registry.poll();
        assertThat(registry.contains("broken")).isFalse();
    }
}
