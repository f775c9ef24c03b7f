package io.convserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds the service image from the repository's Dockerfile and the packaged jar, runs it as Kubernetes would
 * (read-only root, a noexec tmpfs on /tmp, a memory limit) and checks readiness, a v2 inference on lenet5, the
 * Prometheus scrape, the image's HEALTHCHECK and that it does not run as root.
 */
class ImageIT {

    private static final String MANAGEMENT_KEY = "image-it-management-key";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static GenericContainer<?> container;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    @SuppressWarnings("resource")
    static void start() {
        Docker.requireEngine();
        Path root = Docker.repoRoot();
        long started = System.nanoTime();
        ImageFromDockerfile image = new ImageFromDockerfile("convserve-it:image", true)
                .withFileFromPath("Dockerfile", root.resolve("Dockerfile"))
                .withFileFromPath("target/" + Docker.jar().getFileName(), Docker.jar())
                .withFileFromPath("src/main/resources/models", root.resolve("src/main/resources/models"))
                .withFileFromPath("deploy/docker", root.resolve("deploy/docker"))
                .withBuildArg("JDK_IMAGE", Docker.JDK_IMAGE)
                .withBuildArg("RUNTIME_IMAGE", Docker.RUNTIME_IMAGE);
        container = new GenericContainer<>(image)
                .withImagePullPolicy(name -> false)
                .withExposedPorts(8080, 8082)
                .withEnv("INFERENCE_MANAGEMENT_KEYS", MANAGEMENT_KEY)
                .withTmpFs(Map.of("/tmp", "rw,noexec,nosuid,size=256m"))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withReadonlyRootfs(true)
                        .withMemory(3L << 30))
                // the management port, where the image's HEALTHCHECK and Kubernetes' probes ask too
                .waitingFor(Wait.forHttp("/actuator/health/readiness").forPort(8082).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(4)));
        container.start();
        System.out.printf("image built and ready in %d s%n", (System.nanoTime() - started) / 1_000_000_000L);
    }

    @AfterAll
    static void stop() {
        if (container != null) {
            container.stop();
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The actuator's paths on the management port, the rest on the main port. */
    private static URI uri(String path) {
        int port = container.getMappedPort(path.startsWith("/actuator/") ? 8082 : 8080);
        return URI.create("http://" + container.getHost() + ":" + port + path);
    }

    @Test
    void readyAndLiveOnTheHealthGroups() throws Exception {
        HttpResponse<String> anonymous = send(HttpRequest.newBuilder(uri("/readyz")));
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(anonymous.body()).has("components")).as(anonymous.body()).isFalse();
        // health details (model counts, reasons a model is unavailable) only for management-key holders
        HttpResponse<String> manager = send(HttpRequest.newBuilder(uri("/readyz"))
                .header("Authorization", "Bearer " + MANAGEMENT_KEY));
        assertThat(JSON.readTree(manager.body()).path("components").path("models").path("details")
                .path("serving").asInt()).as(manager.body()).isEqualTo(3);
        assertThat(send(HttpRequest.newBuilder(uri("/livez"))).statusCode()).isEqualTo(200);
        // the same groups on the management port, where the image's HEALTHCHECK and the Helm probes call them
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/health/readiness"))).statusCode()).isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/health/liveness"))).statusCode()).isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(URI.create("http://" + container.getHost() + ":"
                + container.getMappedPort(8080) + "/actuator/prometheus"))).statusCode())
                .as("the actuator is not on the main port").isEqualTo(404);
    }

    @Test
    void classifiesADigitOverTheV2ProtocolAndCountsIt() throws Exception {
        JsonNode digit = JSON.readTree(Files.readString(
                Docker.repoRoot().resolve("src/main/resources/openapi/lenet5-digit.json")));
        String body = JSON.writeValueAsString(Map.of("id", "it-1", "inputs", java.util.List.of(Map.of(
                "name", "input", "shape", java.util.List.of(1, 1, 28, 28), "datatype", "FP32",
                "data", digit.get("data")))));
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v2/models/lenet5/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode output = JSON.readTree(response.body()).path("outputs").get(0);
        assertThat(output.path("shape").toString()).isEqualTo("[1,10]");
        int best = 0;
        for (int i = 1; i < 10; i++) {
            if (output.path("data").get(i).asDouble() > output.path("data").get(best).asDouble()) {
                best = i;
            }
        }
        assertThat(best).as("predicted class").isEqualTo(digit.get("label").asInt());

        String scrape = send(HttpRequest.newBuilder(uri("/actuator/prometheus"))).body();
        assertThat(scrape).containsPattern("(?m)^nv_inference_request_success\\{model=\"lenet5\",version=\"1\"} [1-9]");
        assertThat(scrape).contains("convserve_models_loaded 3.0");
    }

    @Test
    void runsAsANonRootUser() throws Exception {
        var exec = container.execInContainer("id", "-u");
        assertThat(exec.getStdout().trim()).isNotEmpty().isNotEqualTo("0");
        String user = DockerClientFactory.instance().client().inspectImageCmd(container.getDockerImageName())
                .exec().getConfig().getUser();
        assertThat(user).startsWith("10001");
        // the root file system is read-only for it, /tmp is not
        assertThat(container.execInContainer("touch", "/app/x").getExitCode()).isNotZero();
        assertThat(container.execInContainer("touch", "/tmp/x").getExitCode()).isZero();
    }

    @Test
    void dockerHealthcheckTurnsHealthy() throws Exception {
        String status = "";
        for (int i = 0; i < 40 && !"healthy".equals(status); i++) {
            status = DockerClientFactory.instance().client().inspectContainerCmd(container.getContainerId())
                    .exec().getState().getHealth().getStatus();
            if (!"healthy".equals(status)) {
                Thread.sleep(1000);
            }
        }
        assertThat(status).isEqualTo("healthy");
    }
}
