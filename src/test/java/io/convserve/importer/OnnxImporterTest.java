package io.convserve.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convserve.registry.LoadedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ONNX files (PyTorch 2.13 exports and hand-written graphs) imported, loaded and run against PyTorch's outputs
 * (which onnxruntime reproduced when the files were made) or onnxruntime's.
 */
class OnnxImporterTest {

    @TempDir
    Path repository;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"onnx_lenet", "onnx_mini_alexnet", "onnx_bn_gap", "onnx_separable", "onnx_pools",
            "onnx_gemm_matmul", "onnx_flatten_reshape", "onnx_dynamo_lenet", "onnx_dynamo_lenet_static",
            "onnx_dynamo_alexnet", "onnx_dynamo_alexnet_static", "onnx_opset17_lenet", "onnx_opset17_lenet_nofold",
            "onnx_opset17_bn_gap_nofold", "onnx_opset18_forms", "onnx_opset18_max_squeeze", "onnx_dynamo_bn_unfused",
            "onnx_legacy_alexnet", "onnx_legacy_alexnet_static", "onnx_zoo_style"})
    void importedModelMatchesTheFrameworkAndTorchinfo(String name) throws Exception {
        Path dir = Golden.root().resolve(name);
        LoadedModel model = Golden.install(Golden.importFile(dir.resolve("model.onnx")), repository, name);

        Golden.checkForward(model, dir);
        Golden.checkSummary(model, dir, Map.of());
    }

    /** Exports whose optimiser fused BatchNorm2d into the convolution before it (conv1 then gains a bias of 8). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"onnx_dynamo_bn_gap", "onnx_dynamo_bn_gap_static", "onnx_opset17_bn_gap"})
    void exportWithBatchNormFusedIntoTheConvolutionsMatches(String name) throws Exception {
        Path dir = Golden.root().resolve(name);
        LoadedModel model = Golden.install(Golden.importFile(dir.resolve("model.onnx")), repository, name);

        Golden.checkForward(model, dir);
        Golden.checkSummary(model, dir, Map.of("conv1", 8L), Set.of("bn1", "bn2"));
    }

    @Test
    void dynamoExportOfCommonModulesMatches() throws Exception {
        // in-place ReLU, ZeroPad2d, AvgPool2d counting its padding, ceil-mode MaxPool, AdaptiveAvgPool2d((2, 2)) as an
        // AveragePool, nn.Flatten, Dropout dropped, Softmax(dim=-1); BatchNorm2d fused into the biased conv
        Path dir = Golden.root().resolve("onnx_dynamo_misc");
        LoadedModel model = Golden.install(Golden.importFile(dir.resolve("model.onnx")), repository, "misc");

        Golden.checkForward(model, dir);
        Golden.checkSummary(model, dir, Map.of(), Set.of("bn"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void dynamoExportOfLocalResponseNormIsRecognisedAsOneLayer() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("onnx_dynamo_alexnet/model.onnx"));

        List<Map<String, Object>> layers = (List<Map<String, Object>>) m.definition().get("layers");
        assertThat(layers).extracting(l -> l.get("name")).startsWith("features.0", "features.1", "features.2",
                "features.3", "features.4");
        assertThat(layers.get(2)).containsEntry("type", "local_response_norm").containsEntry("size", 5)
                .containsEntry("beta", 0.75).containsEntry("k", 2.0);
        assertThat((double) layers.get(2).get("alpha")).isCloseTo(1e-4, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(layers.get(6)).containsEntry("type", "local_response_norm").containsEntry("size", 3);
    }

    @Test
    @SuppressWarnings("unchecked")
    void torchViewExportIsFoldedIntoOneFlatten() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("onnx_lenet/model.onnx"));

        List<Map<String, Object>> layers = (List<Map<String, Object>>) m.definition().get("layers");
        assertThat(layers).extracting(l -> l.get("type")).containsExactly("conv2d", "relu", "max_pool2d", "conv2d",
                "relu", "max_pool2d", "flatten", "dense", "relu", "dense", "relu", "dense", "softmax");
        assertThat(layers).extracting(l -> l.get("name")).startsWith("conv1", "relu1", "pool1");
        assertThat(m.weights().get("fc1.weight").shape()).containsExactly(120, 400);
    }

    @Test
    @SuppressWarnings("unchecked")
    void gemmTransBAlphaBetaAndMatMulAddBecomeDenseLayers() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("onnx_gemm_matmul/model.onnx"));

        List<Map<String, Object>> layers = (List<Map<String, Object>>) m.definition().get("layers");
        assertThat(layers).extracting(l -> l.get("type")).containsExactly("dense", "relu", "dropout", "dense", "dense",
                "softmax");
        assertThat(layers.get(4)).containsEntry("name", "fc_matmul").containsEntry("bias", true);
        assertThat(m.weights().get("gemm_transb.weight").shape()).containsExactly(8, 6);
        assertThat(m.weights().get("gemm_plain.weight").shape()).containsExactly(7, 8);
    }

    @Test
    void countIncludePadBecomesExplicitZeroPadding() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("onnx_pools/model.onnx"));

        assertThat(m.definition().get("layers").toString()).contains("type=zero_pad2d, name=avg_incl_pad");
    }

    @Test
    void unsupportedOperatorIsRejectedNamingTheNode() {
        assertThatThrownBy(() -> Golden.importFile(Golden.root().resolve("unsupported/resize.onnx")))
                .isInstanceOf(ImportException.class)
                .hasMessageStartingWith("ONNX node 'upsample' (Resize): operator not supported. Importable operators: "
                        + "[Conv, MaxPool");
    }

    @Test
    void legacyExportOfLocalResponseNormIsOneLayer() throws Exception {
        ImportedModel model = Golden.importFile(Golden.root().resolve("onnx_legacy_alexnet/model.onnx"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> layers = (List<Map<String, Object>>) model.definition().get("layers");
        assertThat(layers.stream().filter(l -> l.get("type").equals("local_response_norm")).map(l -> l.get("size")))
                .containsExactly(5, 3);
    }

    @Test
    void zooStyleGraphKeepsItsFixedBatchOfOne() throws Exception {
        ImportedModel model = Golden.importFile(Golden.root().resolve("onnx_zoo_style/model.onnx"));
        assertThat(model.fixedBatch()).isEqualTo(1);
        assertThat(model.definition().get("layers").toString()).contains("conv1").contains("local_response_norm");
    }

    @Test
    void notAnOnnxFileIsRejected() {
        assertThatThrownBy(() -> ModelImporter.read(new byte[] {1, 2, 3, 4, 5}, "x.onnx"))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("x.onnx is not an ONNX model");
    }
}
