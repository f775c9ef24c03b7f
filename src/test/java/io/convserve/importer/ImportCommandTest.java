package io.convserve.importer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code import} command, run in-process: exit codes, what it prints, what it writes. */
class ImportCommandTest {

    @TempDir
    Path repository;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ImportCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void importWritesModelJsonAndStoredWeightsAndPrintsTheSummary() throws Exception {
        Path file = Golden.root().resolve("keras_lenet/model.h5");

        int code = run(file.toString(), "--name", "lenet", "--version", "3", "--repository", repository.toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(repository.resolve("lenet/model.json")).exists();
        try (ZipFile npz = new ZipFile(repository.resolve("lenet/3/weights.npz").toFile())) {
            assertThat(npz.stream().map(ZipEntry::getMethod)).containsOnly(ZipEntry.STORED);
            assertThat(npz.stream().map(ZipEntry::getName)).contains("conv1.weight.npy", "fc3.bias.npy");
        }
        assertThat(out.toString()).contains("imported model.h5 as model 'lenet' version 3")
                .contains("total parameters: 61,706").containsPattern("fc1\\s+dense\\s+\\[1, 120\\]\\s+48,120");
        assertThat(Files.list(repository).map(p -> p.getFileName().toString())).containsExactly("lenet");
    }

    @Test
    void unsupportedFileExitsWithOneAndTheReason() {
        int code = run(Golden.root().resolve("unsupported/resize.onnx").toString(), "--name", "up", "--repository",
                repository.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("import failed: ONNX node 'upsample' (Resize): operator not supported");
        assertThat(repository).isEmptyDirectory();
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(run("model.onnx", "--repository", repository.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("missing --name").contains("usage: import");
        assertThat(run("model.onnx", "--name", "../escape", "--repository", repository.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("invalid model name '../escape'");
        assertThat(run("model.onnx", "--name", "ok", "--version", "01", "--repository", repository.toString()))
                .isEqualTo(2);
        assertThat(run("model.onnx", "--name")).isEqualTo(2);
    }

    @Test
    void anotherArchitectureUnderAnExistingModelNeedsReplace() {
        Path lenet = Golden.root().resolve("onnx_lenet/model.onnx");
        Path alexnet = Golden.root().resolve("onnx_mini_alexnet/model.onnx");
        assertThat(run(lenet.toString(), "--name", "m", "--repository", repository.toString())).isZero();

        assertThat(run(alexnet.toString(), "--name", "m", "--version", "2", "--repository", repository.toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("model 'm' has version folders [1] whose model.json describes other layers");
        assertThat(repository.resolve("m/2")).doesNotExist();

        assertThat(run(alexnet.toString(), "--name", "m", "--version", "2", "--repository", repository.toString(),
                "--replace")).isZero();
        assertThat(repository.resolve("m/1")).doesNotExist();
        assertThat(repository.resolve("m/2/weights.npz")).exists();
    }
}
