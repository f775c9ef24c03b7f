package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * kill -9 of the packaged service in the middle of model uploads, 30 times (seeded): after each kill the next start
 * recovers what the upload had begun (one log line), becomes ready with every model, leaves no transaction folder,
 * and serves every version folder in the repository, with the same answers, including every upload it had
 * acknowledged. Kills land at a random moment of the upload (bytes arriving, converting, writing), when its staging
 * folder appears, when its journal appears (the renames), or after its answer.
 */
class CrashConsistencyIT {

    static final int ITERATIONS = 30;
    static final long SEED = 19;
    static final String KEY = "crash-k3y";
    static final JsonMapper JSON = JsonMapper.builder().build();

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Service(Process process, String base, Path log) {
    }

    Service start(Path repository, Path log) throws Exception {
        int port = GracefulShutdownIT.freePort();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", GracefulShutdownIT.jar().toString(), "--server.port=" + port,
                "--inference.grpc.port=0", "--management.server.port=0", "--inference.repository=" + repository,
                "--inference.auth.management-keys=" + KEY, "--inference.warmup-requests=0")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Service s = new Service(p, "http://127.0.0.1:" + port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            assertThat(p.isAlive()).as("the service is running; its log: %s", log).isTrue();
            assertThat(System.nanoTime()).as("ready within 120 s; its log: %s", log).isLessThan(deadline);
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create(s.base() + "/v2/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return s;
                }
                assertThat(status).as("/v2/health/ready while starting").isEqualTo(503);
                assertThat(http.send(HttpRequest.newBuilder(URI.create(s.base() + "/v2/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
                // live but not ready: a model failed to load, which a recovered repository must never cause
                String index = post(s, "/v2/repository/index", "");
                assertThat(index).as("the repository index while unready").doesNotContain("UNAVAILABLE");
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
    }

    HttpResponse<String> send(Service s, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(s.base() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("X-API-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    String post(Service s, String path, String body) throws Exception {
        return send(s, path, body).body();
    }

    static List<Path> transactions(Path repository) throws IOException {
        try (Stream<Path> children = Files.list(repository)) {
            return children.filter(p -> p.getFileName().toString().startsWith(".txn-")).toList();
        }
    }

    static boolean anyTransactionHas(Path repository, String entry) {
        try {
            for (Path t : transactions(repository)) {
                if (entry.isEmpty() || Files.exists(t.resolve(entry))) {
                    return true;
                }
            }
        } catch (IOException e) {
            // listing raced with a delete: not yet
        }
        return false;
    }

    static TreeSet<Integer> versionFolders(Path model) throws IOException {
        TreeSet<Integer> versions = new TreeSet<>();
        if (Files.isDirectory(model)) {
            try (Stream<Path> children = Files.list(model)) {
                children.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+"))
                        .forEach(n -> versions.add(Integer.parseInt(n)));
            }
        }
        return versions;
    }

    /** The output of one all-0.5 image, as text: every version of the uploaded model must give the same. */
    String answer(Service s, int version) throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 784; i++) {
            data.append(i > 0 ? "," : "").append("0.5");
        }
        String input = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(s.base() + "/v2/models/up/versions/"
                + version)).header("X-API-Key", KEY).build(), HttpResponse.BodyHandlers.ofString()).body())
                .path("inputs").get(0).path("name").asString();
        HttpResponse<String> r = send(s, "/v2/models/up/versions/" + version + "/infer",
                "{\"inputs\": [{\"name\": \"" + input + "\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", \"data\": ["
                        + data + "]}]}");
        assertThat(r.statusCode()).as("version %d infer: %s", version, r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("outputs").get(0).path("data").toString();
    }

    @Test
    void killsDuringUploadsNeverLeaveAVersionHalfWrittenOrARepositoryTheNextStartRefuses() throws Exception {
        Path repository = io.convserve.registry.BundledModels.copy("convserve-crash-", "lenet5");
        Path log = Files.createTempFile("convserve-crash-", ".log");
        String file = Base64.getEncoder().encodeToString(
                Files.readAllBytes(Path.of("src/test/resources/importers/onnx_lenet/model.onnx")));
        Random random = new Random(SEED);
        Map<String, Integer> kills = new TreeMap<>();
        TreeSet<Integer> acknowledged = new TreeSet<>();
        int recoveries = 0;
        String reference = null;
        long uploadMillis = 400;

        for (int i = 1; i <= ITERATIONS + 1; i++) {
            boolean leftovers = !transactions(repository).isEmpty();
            long logBefore = Files.size(log);
            Service s = start(repository, log);
            String startLog = Files.readString(log).substring((int) logBefore);
            try {
                // the start recovered what the last kill interrupted, and said so in one line
                assertThat(startLog.contains("interrupted write(s), recovered")).as("iteration %d: recovery line"
                        + " when transaction folders were left", i).isEqualTo(leftovers);
                recoveries += leftovers ? 1 : 0;
                assertThat(transactions(repository)).as("iteration %d: transaction folders after the start", i)
                        .isEmpty();
                TreeSet<Integer> folders = versionFolders(repository.resolve("up"));
                assertThat(folders).as("iteration %d: acknowledged uploads are in the repository", i)
                        .containsAll(acknowledged);
                for (int v : folders) {
                    String a = answer(s, v);
                    reference = reference == null ? a : reference;
                    assertThat(a).as("iteration %d: version %d answers as the uploaded file does", i, v)
                            .isEqualTo(reference);
                }
                if (i > ITERATIONS) {
                    break;
                }

                // an upload of a new version, or of one that exists (its folder is moved aside first)
                int version = folders.isEmpty() || random.nextInt(4) > 0 ? i : folders.last();
                // every version served (not only the latest), so that every folder's answer is checked
                String body = "{\"parameters\": {\"config\": \"{\\\"version_policy\\\": {\\\"all\\\": {}}}\", \"file:"
                        + version + "/model.onnx\": \"" + file + "\"}}";
                int mode = random.nextInt(4);
                long delay = (long) (random.nextDouble() * uploadMillis * 1.2);
                long sent = System.nanoTime();
                CompletableFuture<HttpResponse<String>> upload = http.sendAsync(HttpRequest.newBuilder(
                                URI.create(s.base() + "/v2/repository/models/up/load")).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json").header("X-API-Key", KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                BooleanSupplier killNow = switch (mode) {
                    case 0 -> () -> System.nanoTime() - sent >= TimeUnit.MILLISECONDS.toNanos(delay);
                    case 1 -> () -> anyTransactionHas(repository, "");
                    case 2 -> () -> anyTransactionHas(repository, "journal");
                    default -> () -> false;
                };
                while (!killNow.getAsBoolean() && !upload.isDone()) {
                    Thread.onSpinWait();
                }
                boolean answered = upload.isDone();
                s.process().destroyForcibly(); // SIGKILL
                assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                kills.merge(answered ? "after the answer" : mode == 0 ? "at a random moment of the upload"
                        : mode == 1 ? "when staging appeared" : "when the journal appeared", 1, Integer::sum);
                if (answered) {
                    HttpResponse<String> r = upload.join();
                    assertThat(r.statusCode()).as("upload of version %d: %s", version, r.body()).isEqualTo(200);
                    acknowledged.add(version);
                    uploadMillis = Math.max(50, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                }
            } finally {
                s.process().destroyForcibly();
                s.process().waitFor(30, TimeUnit.SECONDS);
            }
        }
        TreeSet<Integer> served = versionFolders(repository.resolve("up"));
        System.out.printf("crash consistency: %d kills %s; %d starts recovered an interrupted upload; %d uploads "
                        + "acknowledged; versions in the repository at the end %s, every one served alike%n",
                ITERATIONS, kills, recoveries, acknowledged.size(), served);
        assertThat(recoveries).as("kills that interrupted an upload's transaction").isPositive();
        assertThat(served).isNotEmpty();
    }
}
