package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An upload into a repository on a full file system (a 3 MiB tmpfs, mounted by the test: tag {@code root}, run by
 * the full test command as root): 507 naming the cause, nothing half-written, the serving version untouched, and
 * the same upload served once there is room again.
 */
@Tag("root")
@DirtiesContext
class StorageFullApiTest extends ValidatedApiTest {

    static Path repository;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) throws Exception {
        repository = Files.createTempDirectory("convserve-full-");
        run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", repository.toString());
        Path lenet = io.convserve.registry.BundledModels.copy("convserve-full-src-", "lenet5");
        run("cp", "-r", lenet.resolve("lenet5").toString(), repository.toString());
        properties.add("inference.repository", repository::toString);
        properties.add("inference.auth.management", () -> "open");
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s (this test mounts a tmpfs: it needs root): %s", List.of(command), output)
                .isZero();
    }

    @AfterAll
    static void unmount() throws Exception {
        run("umount", "-l", repository.toString());
    }

    private HttpJson.Response upload(int version) throws Exception {
        String base64 = Base64.getEncoder().encodeToString(
                Files.readAllBytes(Path.of("src/test/resources/importers/onnx_lenet/model.onnx")));
        return http.post("/v2/repository/models/up/load", "{\"parameters\": {\"file:" + version
                + "/model.onnx\": \"" + base64 + "\"}}", "application/json");
    }

    private String answer() {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 784; i++) {
            data.append(i > 0 ? "," : "").append(i % 5 == 0 ? "0.9" : "0.1");
        }
        String input = http.get("/v2/models/up").json().path("inputs").get(0).path("name").asString();
        HttpJson.Response r = http.post("/v2/models/up/infer", "{\"inputs\": [{\"name\": \"" + input + "\", \"shape\": "
                + "[1, 1, 28, 28], \"datatype\": \"FP32\", \"data\": [" + data + "]}]}", "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("model_version").asString() + " " + r.json().path("outputs").get(0).path("data");
    }

    private List<String> repositoryFiles() throws Exception {
        try (Stream<Path> all = Files.walk(repository)) {
            return all.map(p -> repository.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void aFullDiskRefusesTheUploadWith507AndChangesNothing() throws Exception {
        HttpJson.Response first = upload(1);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        String before = answer();
        List<String> filesBefore = repositoryFiles();
        // leave less room than the model's weights (250 KB) and the margin the writer keeps
        Path filler = repository.resolve(".filler");
        long free = Files.getFileStore(repository).getUsableSpace();
        Files.write(filler, new byte[(int) Math.max(0, free - 400_000)]);
        List<String> withFiller = repositoryFiles();

        HttpJson.Response full = upload(2);

        assertThat(full.status()).as(full.body()).isEqualTo(507);
        assertThat(full.json().get("error").asString()).contains("model 'up' version 2",
                "the repository's file system has", "nothing was changed", "serving versions are unchanged");
        assertThat(repositoryFiles()).as("nothing written").isEqualTo(withFiller);
        assertThat(answer()).as("the serving version answers as before").isEqualTo(before);

        Files.delete(filler);
        HttpJson.Response roomAgain = upload(2);
        assertThat(roomAgain.status()).as(roomAgain.body()).isEqualTo(200);
        assertThat(answer()).startsWith("2 ");
        assertThat(repositoryFiles()).containsAll(filesBefore).contains("up/2/weights.npz")
                .noneMatch(f -> f.startsWith(".txn-"));
    }
}
