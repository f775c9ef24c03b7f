package io.convserve.system;

import io.convserve.registry.RepositoryProperties;
import io.convserve.serving.ApiKeys;
import io.convserve.serving.AuthProperties;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who may change the models: with a repository configured, load and unload need a management key (401 without,
 * 403 with a wrong one); with inference keys configured, inference and introspection need a key too; health, metrics,
 * the OpenAPI document and the page stay open. Error bodies are the usual JSON.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class AuthApiTest {

    static Path repository;

    @DynamicPropertySource
    static void configure(DynamicPropertyRegistry properties) throws Exception {
        repository = io.convserve.registry.BundledModels.copy("convserve-auth-", "lenet5");
        properties.add("inference.repository", repository::toString);
        properties.add("inference.auth.management-keys", () -> "manage-s3cret");
        properties.add("inference.auth.inference-keys", () -> "read-k3y");
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    final HttpClient client = HttpClient.newHttpClient();
    static final JsonMapper JSON = JsonMapper.builder().build();

    HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + (path.startsWith("/actuator/") ? managementPort : port) + path))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("")
                        : HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String error(HttpResponse<String> r) {
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.get("status").asInt()).isEqualTo(r.statusCode());
        return json.get("error").asString();
    }

    @Test
    void managementNeedsTheManagementKey() throws Exception {
        HttpResponse<String> none = send("POST", "/v2/repository/models/lenet5/load");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(error(none)).contains("needs a management key", "Authorization: Bearer");

        HttpResponse<String> wrong = send("POST", "/v2/repository/models/lenet5/unload", "Authorization", "Bearer nope");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(error(wrong)).contains("not a management key");
        HttpResponse<String> readerKey = send("POST", "/v2/repository/models/lenet5/load", "X-API-Key", "read-k3y");
        assertThat(readerKey.statusCode()).isEqualTo(403);

        assertThat(send("POST", "/v2/repository/models/lenet5/load", "Authorization", "Bearer manage-s3cret")
                .statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v2/repository/models/lenet5/load", "X-API-Key", "manage-s3cret").statusCode())
                .isEqualTo(200);
    }

    /**
     * Spelling variants of the management routes that Tomcat or Spring decode, strip or normalise before routing
     * (matrix parameters, percent-encoding, doubled slashes, dot segments, a trailing slash, other case) all need the
     * management key: the filter decides on the normalised path and treats everything under
     * /v2/repository/models/ as management.
     */
    @Test
    void managementVariantsOfThePathNeedTheManagementKey() throws Exception {
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        for (String path : List.of("/v2/repository/models/lenet5/load;a=b", "/v2/repository/models/lenet5;a=b/load",
                "/v2/repository;a=b/models/lenet5/load", "/v2/repository/models/lenet5/%6Coad",
                "/v2/repository/models/lenet5/%6coad", "/v2/%72epository/models/lenet5/load",
                "/v2/repository/models/lenet5/unl%6Fad", "//v2/repository/models/lenet5/load",
                "/v2//repository/models//lenet5/load", "/v2/repository/./models/lenet5/load",
                "/v2/repository/x/../models/lenet5/load", "/v2/repository/models/lenet5/load/",
                "/v2/repository/models/lenet5/LOAD", "/V2/Repository/Models/lenet5/load",
                "/v2/repository/models/lenet5/load%3Bx", "/v2/repository/models/lenet5/load?x=1")) {
            HttpResponse<String> none = send("POST", path);
            HttpResponse<String> reader = send("POST", path, "X-API-Key", "read-k3y");
            soft.assertThat(none.statusCode()).as(path + " without a key").isEqualTo(401);
            soft.assertThat(none.body()).as(path).contains("needs a management key");
            soft.assertThat(reader.statusCode()).as(path + " with an inference key").isEqualTo(403);
            soft.assertThat(reader.body()).as(path).contains("not a management key");
        }
        soft.assertAll();
    }

    /** The same normalisation guards the routes that inference keys protect. */
    @Test
    void inferenceVariantsOfThePathNeedAnApiKey() throws Exception {
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        for (String path : List.of("/v2/%6Dodels", "/v2/models;a=b/lenet5", "//v2/models/lenet5",
                "/v2/x/../models/lenet5/layers", "/v2/summary;x", "/v1/models/lenet5:predict;a=b",
                "/v2/repository/index;a=b", "/predictions;a/lenet5")) {
            String method = path.contains("summary") || path.contains("predict") || path.contains("repository")
                    ? "POST" : "GET";
            HttpResponse<String> none = send(method, path);
            soft.assertThat(none.statusCode()).as(method + " " + path).isEqualTo(401);
            soft.assertThat(none.body()).as(path).contains("needs an API key");
        }
        soft.assertAll();
    }

    @Test
    void inferenceKeysProtectInferenceAndIntrospectionOnly() throws Exception {
        for (String path : List.of("/v2/models", "/v2/models/lenet5", "/v2/models/lenet5/layers")) {
            HttpResponse<String> none = send("GET", path);
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(error(none)).contains("needs an API key");
            assertThat(send("GET", path, "X-API-Key", "read-k3y").statusCode()).as(path).isEqualTo(200);
            assertThat(send("GET", path, "Authorization", "Bearer manage-s3cret").statusCode()).as(path).isEqualTo(200);
            assertThat(send("GET", path, "Authorization", "bearer wrong").statusCode()).as(path).isEqualTo(403);
        }
        for (String path : List.of("/v2/health/ready", "/v2/health/live", "/readyz", "/livez", "/actuator/health",
                "/actuator/prometheus", "/v3/api-docs", "/ui/")) {
            assertThat(send("GET", path).statusCode()).as(path).isEqualTo(200);
        }
    }

    /**
     * A broken model's load error and index reason name the file, never the repository's absolute path. Runs last:
     * the broken folder makes the service unready.
     */
    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void errorsDoNotRevealInternalPaths() throws Exception {
        Path broken = repository.resolve("broken");
        Files.createDirectories(broken.resolve("1"));
        Files.writeString(broken.resolve("model.json"), Files.readString(repository.resolve("lenet5/model.json"))
                .replace("\"name\": \"lenet5\"", "\"name\": \"broken\""));
        Files.write(broken.resolve("1/weights.npz"), new byte[] {1, 2, 3});

        HttpResponse<String> load = send("POST", "/v2/repository/models/broken/load", "X-API-Key", "manage-s3cret");
        HttpResponse<String> index = send("POST", "/v2/repository/index", "X-API-Key", "read-k3y");
        HttpResponse<String> health = send("GET", "/actuator/health", "X-API-Key", "manage-s3cret");
        HttpResponse<String> anonymousHealth = send("GET", "/actuator/health");
        HttpResponse<String> ready = send("GET", "/v2/health/ready");

        assertThat(load.statusCode()).isBetween(400, 499);
        assertThat(error(load)).contains("weights.npz");
        assertThat(health.body()).contains("broken", "weights.npz").doesNotContain("diskSpace");
        assertThat(anonymousHealth.body()).isEqualTo("{\"groups\":[\"liveness\",\"readiness\"],\"status\":\"DOWN\"}");
        assertThat(ready.statusCode()).isEqualTo(503);
        for (String body : List.of(load.body(), index.body(), health.body(), anonymousHealth.body(), ready.body())) {
            assertThat(body).doesNotContain(repository.toString(), System.getProperty("java.io.tmpdir") + "/",
                    "Exception:", "\tat ");
        }
        assertThat(index.body()).contains("broken", "UNAVAILABLE");
    }

    /** Filters and Tomcat write their errors with the controllers' writer: the same fields, JSON-escaped. */
    @Test
    void filterAndTomcatErrorsAreTheProblemBodyOfEveryOtherError() throws Exception {
        HttpResponse<String> refused = send("GET", "/v2/models/a%2Fb");
        HttpResponse<String> noKey = send("POST", "/v2/repository/models/lenet5/load");
        for (HttpResponse<String> r : List.of(refused, noKey)) {
            JsonNode json = JSON.readTree(r.body());
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
            assertThat(json.propertyNames()).containsExactly("type", "title", "status", "detail", "error");
            assertThat(json.get("type").asString()).isEqualTo("https://convserve.io/problems/" + r.statusCode());
        }
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(error(refused)).isEqualTo("the request was refused before routing: its path or header is malformed"
                + " (an encoded '/' or '\\', a NUL byte or an invalid character)");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(error(noKey)).isEqualTo("POST /v2/repository/models/lenet5/load needs a management key: send"
                + " \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\"");
    }

    @Test
    void actuatorExposesOnlyHealthInfoAndPrometheus() throws Exception {
        for (String path : List.of("/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/heapdump",
                "/actuator/threaddump", "/actuator/loggers", "/actuator/mappings")) {
            HttpResponse<String> r = send("GET", path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).doesNotContain("manage-s3cret", "read-k3y");
        }
    }

    /** With a repository and no management key configured, management is refused outright, never open. */
    @Test
    void withoutAManagementKeyManagementIsDisabled() throws Exception {
        ApiKeys keys = new ApiKeys(new AuthProperties(List.of(), null, List.of()),
                RepositoryProperties.defaults().withRepository(repository.toString()));
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/v2/repository/models/lenet5/load");
        request.setServletPath("/v2/repository/models/lenet5/load");
        request.addHeader("Authorization", "Bearer anything");
        MockHttpServletResponse response = new MockHttpServletResponse();

        ApiKeys.Refusal refusal = RouteAccess.refusal(keys, request, ApiKeyAuthentication.of(keys, request));
        RouteAccess.answer(ProblemResponsesTesting.plain(), refusal, request, response);

        assertThat(refusal).isEqualTo(ApiKeys.Refusal.DISABLED);
        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(response.getContentAsString()).contains("model management is disabled",
                "inference.auth.management-keys");

        ApiKeys bundled = new ApiKeys(new AuthProperties(List.of(), null, List.of()), RepositoryProperties.defaults());
        assertThat(RouteAccess.refusal(bundled, request, null)).as("bundled models (local profile): management open")
                .isNull();
    }

    @Test
    void anAmbiguousPathWithTheRightKeyIsRejectedByTheFirewall() throws Exception {
        HttpResponse<String> r = send("POST", "/v2/repository/models/lenet5/load;a=b", "X-API-Key", "manage-s3cret");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).contains("ambiguous").contains("\";\"");
    }
}
