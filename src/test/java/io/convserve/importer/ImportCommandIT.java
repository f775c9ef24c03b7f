package io.convserve.importer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar convserve.jar import ...} on the packaged jar: no server starts, exit codes and output. */
class ImportCommandIT {

    @TempDir
    Path repository;

    private record Run(int code, String out) {
    }

    private Run run(String... args) throws Exception {
        String jar = System.getProperty("convserve.jar");
        assertThat(jar).as("system property convserve.jar (set by failsafe)").isNotNull();
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", jar, "import"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void importsAKerasFileAndExits() throws Exception {
        Path file = Golden.root().resolve("keras_lenet/model.keras");

        Run r = run(file.toString(), "--name", "lenet", "--version", "2", "--repository", repository.toString());

        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("imported model.keras as model 'lenet' version 2").contains("total parameters: 61,706")
                .doesNotContain("Tomcat").doesNotContain("INFO");
        assertThat(Files.isRegularFile(repository.resolve("lenet/2/weights.npz"))).isTrue();
    }

    @Test
    void unsupportedFileExitsWithOne() throws Exception {
        Run r = run(Golden.root().resolve("unsupported/lstm.keras").toString(), "--name", "x", "--repository",
                repository.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("import failed: Keras layer 'lstm' (LSTM): cannot be imported");
    }
}
