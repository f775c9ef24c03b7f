package io.convserve.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convserve.registry.LoadedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Keras files (Keras 3.15, .keras and legacy .h5) imported, loaded and run against Keras' own outputs. */
class KerasImporterTest {

    @TempDir
    Path repository;

    static Stream<Arguments> files() {
        return Stream.of(Arguments.of("keras_lenet", "model.keras"), Arguments.of("keras_lenet", "model.h5"),
                Arguments.of("keras_bn_gap", "model.keras"), Arguments.of("keras_bn_gap", "model.h5"),
                Arguments.of("keras_separable", "model.keras"),
                Arguments.of("keras_separable", "model_unnamed_vars.keras"), Arguments.of("keras_odd_same", "model.keras"),
                Arguments.of("keras_rescaling", "model.keras"), Arguments.of("keras2_lenet", "model.h5"),
                Arguments.of("keras2_bn_gap", "model.h5"));
    }

    /** Expected values printed by Keras 3.15's keras.src.utils.naming.to_snake_case for each class name. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"Conv2D, conv2d", "BatchNormalization, batch_normalization",
            "GlobalAveragePooling2D, global_average_pooling2d", "DepthwiseConv2D, depthwise_conv2d",
            "SeparableConv2D, separable_conv2d", "MaxPooling2D, max_pooling2d", "ReLU, re_lu",
            "LeakyReLU, leaky_re_lu", "Dense, dense", "ZeroPadding2D, zero_padding2d",
            "SpatialDropout2D, spatial_dropout2d", "InputLayer, input_layer", "PReLU, p_re_lu",
            "Conv2DTranspose, conv2d_transpose"})
    void weightGroupNameFollowsKerasSnakeCaseRule(String className, String group) {
        assertThat(KerasFiles.snakeCase(className)).isEqualTo(group);
    }

    @Test
    @SuppressWarnings("unchecked")
    void keras2FunctionalModelWithListInboundNodesAndAxisListImports() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("keras2_bn_gap/model.h5"));

        List<Map<String, Object>> layers = (List<Map<String, Object>>) m.definition().get("layers");
        assertThat(layers).extracting(l -> l.get("name")).containsExactly("conv1", "bn1", "relu1", "conv2", "bn2",
                "relu2", "gap", "fc", "softmax");
        assertThat((Map<String, Object>) m.definition().get("input")).containsEntry("shape", List.of(3, 15, 13));
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("files")
    void importedModelMatchesKerasOutputsAndSummary(String name, String file) throws Exception {
        Path dir = Golden.root().resolve(name);
        LoadedModel model = Golden.install(Golden.importFile(dir.resolve(file)), repository, name);

        Golden.checkForward(model, dir);
        // bn2 has center=False: Keras keeps no beta, our batch_norm always has one (zeros), 12 channels
        Golden.checkSummary(model, dir, name.equals("keras_bn_gap") ? Map.of("bn2", 12L) : Map.of());
    }

    @Test
    @SuppressWarnings("unchecked")
    void lenetBecomesOurLayersWithHwcFlattenReordered() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("keras_lenet/model.keras"));

        List<Map<String, Object>> layers = (List<Map<String, Object>>) m.definition().get("layers");
        assertThat(layers).extracting(l -> l.get("type")).containsExactly("conv2d", "max_pool2d", "conv2d",
                "max_pool2d", "flatten", "dense", "dropout", "dense", "dense");
        assertThat(layers.get(0)).containsEntry("padding", "same").containsEntry("activation", "relu");
        assertThat((Map<String, Object>) m.definition().get("input")).containsEntry("shape", List.of(1, 28, 28))
                .containsEntry("name", "image");
        assertThat(m.weights().get("conv1.weight").shape()).containsExactly(6, 1, 5, 5);
        assertThat(m.weights().get("fc1.weight").shape()).containsExactly(120, 400);
        assertThat(m.notes()).anyMatch(n -> n.contains("'fc1'") && n.contains("(C, H, W)"));
        assertThat(m.definition()).doesNotContainKey("preprocessing");
    }

    @Test
    void separableConvolutionBecomesDepthwiseThenPointwise() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("keras_separable/model.keras"));

        assertThat(m.weights().get("sep_depthwise.weight").shape()).containsExactly(8, 1, 3, 3);
        assertThat(m.weights().get("sep.weight").shape()).containsExactly(6, 8, 1, 1);
        assertThat(m.weights().get("dw.weight").shape()).containsExactly(8, 1, 3, 3);
    }

    @Test
    @SuppressWarnings("unchecked")
    void leadingRescalingIsFoldedIntoTheFirstConvolution() throws Exception {
        ImportedModel m = Golden.importFile(Golden.root().resolve("keras_rescaling/model.keras"));

        List<Map<String, Object>> layers = (List<Map<String, Object>>) m.definition().get("layers");
        assertThat(layers).extracting(l -> l.get("name")).containsExactly("conv", "gmp", "fc");
        assertThat(m.notes()).anyMatch(n -> n.contains("'rescale'") && n.contains("folded into the weights of 'conv'"));
        assertThat(m.definition().get("preprocessing")).isEqualTo(Map.of("color", "rgb", "resize", List.of(9, 8)));
    }

    @Test
    void recurrentLayerIsRejectedNamingIt() {
        assertThatThrownBy(() -> Golden.importFile(Golden.root().resolve("unsupported/lstm.keras")))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("Keras layer 'lstm' (LSTM): cannot be imported")
                .hasMessageContaining("Importable Keras layers: [InputLayer, Conv2D");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "channels_first.keras | Keras layer 'conv_cf' (Conv2D): cannot be imported: data_format 'channels_first' "
                + "(only channels_last files are importable)",
        "activation_relu6.keras | Keras layer 'conv_relu6' (Conv2D): cannot be imported: activation 'relu6' "
                + "(supported: relu, sigmoid, tanh, softmax, leaky_relu, linear)",
        // Keras 3 saves "swish" as its other name, silu
        "activation_swish.keras | Keras layer 'conv_swish' (Conv2D): cannot be imported: activation 'silu' "
                + "(supported: relu, sigmoid, tanh, softmax, leaky_relu, linear)",
        "activation_elu.keras | Keras layer 'conv_elu' (Conv2D): cannot be imported: activation 'elu' "
                + "(supported: relu, sigmoid, tanh, softmax, leaky_relu, linear)",
        "relu_max_value.keras | Keras layer 'capped' (ReLU): cannot be imported: max_value=6.0, threshold=0.0 "
                + "(only plain ReLU or a negative slope is supported)",
        "nested.keras | Keras layer 'block' (Sequential): cannot be imported: a nested model (a model used as a "
                + "layer) is not supported; build the outer model from the inner model's layers"})
    void unsupportedSettingIsRejectedNamingTheLayerAndTheReason(String file, String message) {
        assertThatThrownBy(() -> Golden.importFile(Golden.root().resolve("unsupported/" + file)))
                .isInstanceOf(ImportException.class)
                .hasMessage(message);
    }

    @Test
    void branchingGraphIsRejectedNamingTheMerge() {
        assertThatThrownBy(() -> Golden.importFile(Golden.root().resolve("unsupported/branching.keras")))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("Keras layer 'residual' (Add) takes 2 inputs")
                .hasMessageContaining("only a chain of layers");
    }
}
