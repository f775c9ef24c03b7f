package io.convserve.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convserve.registry.ModelLoadException;
import io.convserve.registry.ModelRegistry;
import io.convserve.registry.TritonConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Triton-style repository read by the registry with the importers as its converter: config.pbtxt's values checked
 * field by field, foreign files converted as versions load, and a file or configuration that fails leaves the other
 * models, and the version already serving, untouched.
 */
class TritonRepositoryTest {

    @TempDir
    Path repository;

    private static TritonConfig parse(String text) {
        return TritonConfig.parse(text.getBytes(StandardCharsets.UTF_8), "m");
    }

    @Test
    void wrongValuesFailNamingTheField() {
        assertThatThrownBy(() -> parse("max_batch_size: \"eight\""))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("config.pbtxt is not valid protobuf text")
                .hasMessageContaining("max_batch_size");
        assertThatThrownBy(() -> parse("max_batch_sise: 8")).hasMessageContaining("max_batch_sise");
        assertThatThrownBy(() -> parse("name: \"other\"")).hasMessageContaining("differs from its folder name 'm'");
        assertThatThrownBy(() -> parse("instance_group [ { kind: KIND_GPU } ]"))
                .hasMessageContaining("instance_group[0].kind KIND_GPU").hasMessageContaining("KIND_CPU");
        assertThatThrownBy(() -> parse("input [ { name: \"x\" data_type: TYPE_INT8 dims: [ 3 ] } ]"))
                .hasMessageContaining("input[0].data_type TYPE_INT8").hasMessageContaining("TYPE_FP32");
        assertThatThrownBy(() -> parse("input [ { name: \"x\" format: FORMAT_NHWC } ]"))
                .hasMessageContaining("input[0].format FORMAT_NHWC");
        assertThatThrownBy(() -> parse("max_batch_size: 0 dynamic_batching { }"))
                .hasMessageContaining("dynamic_batching needs max_batch_size > 0");
        assertThatThrownBy(() -> parse("max_batch_size: -2")).hasMessageContaining("max_batch_size must be 0");
        assertThatThrownBy(() -> parse("output [ { name: \"y\" label_filename: \"../labels.txt\" } ]"))
                .hasMessageContaining("output[0].label_filename must be a plain file name");
        assertThatThrownBy(() -> parse("parameters { key: \"preprocessing\" value { string_value: \"{oops\" } }"))
                .hasMessageContaining("parameters[\"preprocessing\"].string_value must be JSON");
    }

    @Test
    void fieldsWeDoNotServeAreListedByName() {
        TritonConfig config = parse("""
                max_batch_size: 4
                input [ { name: "x" dims: [ 1, 28, 28 ] reshape { shape: [ 784 ] } } ]
                dynamic_batching { max_queue_delay_microseconds: 100 priority_levels: 2 }
                optimization { graph { level: 1 } }
                parameters { key: "intra_op_thread_count" value { string_value: "2" } }
                parameters { key: "description" value { string_value: "kept" } }
                """);
        assertThat(config.unsupported()).containsExactly("dynamic_batching.priority_levels", "input.reshape",
                "optimization", "parameters[\"intra_op_thread_count\"]");
        assertThat(config.overlay()).containsEntry("description", "kept").containsEntry("max_batch_size", 4);
    }

    private Path model(String name, String goldenFile, String config) throws IOException {
        Path version = Files.createDirectories(repository.resolve(name).resolve("1"));
        Files.copy(Golden.root().resolve(goldenFile), version.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        if (config != null) {
            Files.writeString(repository.resolve(name).resolve("config.pbtxt"), config);
        }
        return version.resolve("model.onnx");
    }

    @Test
    void aFileThatCannotBeConvertedFailsOnlyItsModel() throws Exception {
        model("good", "onnx_opset17_lenet/model.onnx", null);
        model("resize", "unsupported/resize.onnx", null);
        model("dims", "onnx_opset17_lenet/model.onnx", "max_batch_size: 8 input [ { name: \"input\" dims: [ 3, 28, 28 ] } ]");
        ModelRegistry registry = new ModelRegistry(repository, 1, new FileConverter());

        registry.loadAll();

        assertThat(registry.versions("good")).containsExactly("1");
        assertThat(registry.failures().get("resize")).contains("model 'resize' version 1")
                .contains("ONNX node 'upsample' (Resize)");
        assertThat(registry.failures().get("dims")).contains("input[0].dims [3, 28, 28] does not match the model")
                .contains("[1, 28, 28]");
    }

    @Test
    void aBrokenNewFileLeavesTheServingVersionUntouched() throws Exception {
        Path file = model("lenet", "onnx_opset17_lenet/model.onnx", "max_batch_size: 8");
        ModelRegistry registry = new ModelRegistry(repository, 1, new FileConverter());
        registry.load("lenet");
        var serving = registry.find("lenet", "1").orElseThrow();

        Files.copy(Golden.root().resolve("unsupported/resize.onnx"), file, StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> registry.load("lenet")).hasMessageContaining("Resize");

        assertThat(registry.find("lenet", "1")).containsSame(serving);
        assertThat(registry.failures().get("lenet")).contains("Resize");
    }
}
