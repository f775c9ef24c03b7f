package io.convserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Impossible architectures are rejected with the layer, the rule and every value (docs/design.md#the-layer-stack). */
class ArchitectureErrorTest {

    private static Architecture architecture(Shape input, List<Map<String, Object>> layers) {
        return Architecture.fromConfig(input, layers);
    }

    @Test
    void kernelLargerThanInputNamesLayerRuleAndValues() {
        Architecture a = architecture(Shape.chw(3, 8, 8), List.of(
                Map.of("type", "conv2d", "name", "conv1", "filters", 96, "kernel", 11, "stride", 4)));

        assertThatThrownBy(() -> a.summarize(a.inputShape(), 1))
                .isInstanceOf(ArchitectureException.class)
                .hasMessage("conv2d 'conv1' (layer 0): output height would be 0. Received: input=[3, 8, 8], "
                        + "kernel=[11, 11], stride=[4, 4], padding=[0, 0].");
    }

    @Test
    void poolThatShrinksMapBelowOnePixelNamesTheLayer() {
        Architecture a = architecture(Shape.chw(1, 28, 28), List.of(
                Map.of("type", "max_pool2d", "name", "p1", "pool", 4),
                Map.of("type", "max_pool2d", "name", "p2", "pool", 4),
                Map.of("type", "max_pool2d", "name", "p3", "pool", 4)));

        assertThatThrownBy(() -> a.summarize(a.inputShape(), 1))
                .hasMessage("max_pool2d 'p3' (layer 2): output height would be 0. Received: input=[1, 1, 1], "
                        + "pool=[4, 4], stride=[4, 4], padding=[0, 0], ceil_mode=false.");
    }

    @Test
    void denseOnFeatureMapAsksForFlatten() {
        Architecture a = architecture(Shape.chw(16, 5, 5), List.of(Map.of("type", "dense", "units", 10)));

        assertThatThrownBy(() -> a.summarize(a.inputShape(), 1))
                .hasMessageContaining("dense 'dense_0' (layer 0): expects a flat [features] input; add a flatten "
                        + "layer before it (it would receive 400 features)");
    }

    @Test
    void groupsThatDoNotDivideChannelsAreRejected() {
        Architecture a = architecture(Shape.chw(3, 8, 8), List.of(
                Map.of("type", "conv2d", "name", "g", "filters", 4, "kernel", 3, "groups", 2)));

        assertThatThrownBy(() -> a.summarize(a.inputShape(), 1))
                .hasMessage("conv2d 'g' (layer 0): input channels must be divisible by groups. Received: "
                        + "input=[3, 8, 8], groups=2.");
    }

    @Test
    void unknownFieldIsRejectedWithTheKnownOnes() {
        assertThatThrownBy(() -> Layers.fromConfig(2, Map.of("type", "conv2d", "filters", 8, "kernel", 3,
                "kernel_size", 3)))
                .isInstanceOf(LayerConfigException.class)
                .hasMessageStartingWith("conv2d 'conv2d_2' (layer 2): unknown field 'kernel_size'. Expected one of:");
    }

    @Test
    void unknownTypeListsTheTypes() {
        assertThatThrownBy(() -> Layers.fromConfig(0, Map.of("type", "conv3d")))
                .isInstanceOf(LayerConfigException.class)
                .hasMessageStartingWith("layer 0 ('conv3d_0'): unknown type 'conv3d'. Expected one of: [conv2d,");
    }

    @Test
    void missingRequiredFieldIsNamed() {
        assertThatThrownBy(() -> Layers.fromConfig(1, Map.of("type", "dense", "name", "fc")))
                .hasMessage("dense 'fc' (layer 1): field 'units' is required");
    }

    @Test
    void duplicateNamesAreRejected() {
        assertThatThrownBy(() -> architecture(Shape.chw(1, 4, 4), List.of(
                Map.of("type", "relu", "name", "a"), Map.of("type", "relu", "name", "a"))))
                .hasMessageContaining("'a' is used twice");
    }

    @Test
    void denseInputSizeIsInferredAfterFlatten() {
        Architecture a = architecture(Shape.chw(16, 5, 5), List.of(Map.of("type", "flatten"),
                Map.of("type", "dense", "name", "fc1", "units", 120)));

        LayerSummary fc1 = a.summarize(a.inputShape(), 4).layers().get(1);

        assertThat(fc1.parameterShapes()).containsEntry("weight", List.of(120L, 400L));
        assertThat(fc1.inputShape()).containsExactly(4L, 400L);
        assertThat(fc1.macs()).isEqualTo(4L * 400 * 120);
        assertThat(fc1.activationBytes()).isEqualTo(4L * 120 * 4);
    }
}
