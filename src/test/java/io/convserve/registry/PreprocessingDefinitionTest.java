package io.convserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** model.json's {@code preprocessing}: torchvision's size forms, and errors that name the field and the forms. */
class PreprocessingDefinitionTest {

    static ModelDefinition.Preprocessing read(String preprocessing) {
        String json = "{\"input\": {\"shape\": [3, 224, 224]}, \"preprocessing\": " + preprocessing
                + ", \"layers\": [{\"type\": \"flatten\"}]}";
        return new ModelDefinitionReader().read(json.getBytes(StandardCharsets.UTF_8), "m/model.json").preprocessing();
    }

    @Test
    void resizeIsTheShorterSideOrAnExactSizeAndCropMayBeASquare() {
        assertThat(read("{\"resize\": 256, \"center_crop\": 224}").resize()).containsExactly(256);
        assertThat(read("{\"resize\": [256]}").resize()).containsExactly(256);
        assertThat(read("{\"resize\": [256, 320]}").resize()).containsExactly(256, 320);
        assertThat(read("{\"center_crop\": 224}").centerCrop()).containsExactly(224, 224);
        assertThat(read("{\"center_crop\": [224]}").centerCrop()).containsExactly(224, 224);
        assertThat(read("{\"center_crop\": [200, 224]}").centerCrop()).containsExactly(200, 224);
        assertThat(read("{\"color\": \"rgb\"}").resize()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"resize\": [256, 256, 3]} | m/model.json: preprocessing.resize must be N (the shorter side becomes N, "
                    + "the aspect ratio is kept), [N] (the same) or [height, width], with positive integers. "
                    + "Received: [256, 256, 3]",
            "{\"resize\": 0} | preprocessing.resize must be N",
            "{\"resize\": []} | Received: []",
            "{\"resize\": \"256\"} | Received: 256",
            "{\"center_crop\": [224, -1]} | m/model.json: preprocessing.center_crop must be N or [N] (a square) or "
                    + "[height, width], with positive integers. Received: [224, -1]",
            "{\"center_crop\": 22.5} | preprocessing.center_crop must be N or [N]",
    })
    void badSizesNameTheFieldAndTheForms(String preprocessing, String message) {
        assertThatThrownBy(() -> read(preprocessing)).isInstanceOf(ModelLoadException.class).hasMessageContaining(message);
    }

    @Test
    void bundledImageNetModelsResizeTheShorterSide() throws Exception {
        for (String model : List.of("alexnet", "vgg16")) {
            try (var in = getClass().getClassLoader().getResourceAsStream("models/" + model + "/model.json")) {
                ModelDefinition d = new ModelDefinitionReader().read(in.readAllBytes(), model);
                assertThat(d.preprocessing().resize()).as(model).containsExactly(256);
            }
        }
    }
}
