package io.convserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Strict weights checks (docs/model-format.md): each broken file of bad-weights/generate.py is named precisely. */
class ModelLoaderTest {

    static Path tiny() throws Exception {
        return Path.of(ModelLoaderTest.class.getClassLoader().getResource("bad-weights/tiny").toURI());
    }

    @Test
    void validWeightsLoadAndFloat64IsConverted() throws Exception {
        LoadedModel v1 = new ModelLoader().load(tiny(), "1");
        LoadedModel v7 = new ModelLoader().load(tiny(), "7");

        assertThat(v1.network().parameterCount()).isEqualTo(3 * 2 * 9 + 3 + 4 * 48 + 4);
        assertThat(v7.generatedWeights()).isFalse();
        assertThat(new ModelLoader().versions(tiny())).containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
    }

    @ParameterizedTest(name = "version {0}")
    @CsvSource(delimiter = '|', value = {
            "2 | model 'tiny' version 2: dense 'fc' (layer 2): array 'fc.bias' is missing; expected shape [4]",
            "3 | model 'tiny' version 3: weights has arrays that no layer uses: [fc2.weight]. Expected exactly: "
                    + "[conv.weight, conv.bias, fc.weight, fc.bias]",
            "4 | model 'tiny' version 4: dense 'fc' (layer 2): array 'fc.weight' has shape [4, 47], expected [4, 48]",
            "5 | weights.npz: entry 'conv.weight.npy' is compressed; entries must be STORED",
            "6 | model 'tiny' version 6: conv2d 'conv' (layer 0): array 'conv.bias' contains NaN or infinite values",
            "8 | weights.npz is not a valid .npz (zip) archive",
    })
    void brokenWeightsAreRejectedNamingLayerArrayAndShapes(String version, String message) throws Exception {
        assertThatThrownBy(() -> new ModelLoader().load(tiny(), version))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(message);
    }

    @Test
    void missingWeightsWithoutInitIsALoadError(@TempDir Path repo) throws Exception {
        Path model = repo.resolve("tiny");
        Files.createDirectories(model.resolve("1"));
        Files.copy(tiny().resolve("model.json"), model.resolve("model.json"));

        assertThatThrownBy(() -> new ModelLoader().load(model, "1"))
                .hasMessage("model 'tiny' version 1: weights.npz is missing and model.json declares no \"init\" "
                        + "for generated weights");
    }

    @Test
    void failedModelIsRecordedAndOthersStillLoad(@TempDir Path repo) throws Exception {
        Path good = repo.resolve("tiny");
        Files.createDirectories(good.resolve("1"));
        Files.copy(tiny().resolve("model.json"), good.resolve("model.json"));
        Files.copy(tiny().resolve("1/weights.npz"), good.resolve("1/weights.npz"));
        Path bad = repo.resolve("broken");
        Files.createDirectories(bad.resolve("1"));
        Files.writeString(bad.resolve("model.json"), "{\"layers\": [}");

        ModelRegistry registry = new ModelRegistry(repo);
        registry.loadAll();

        assertThat(registry.find("tiny", null)).isPresent();
        assertThat(registry.failures()).containsOnlyKeys("broken");
        assertThat(registry.failures().get("broken")).startsWith("model 'broken' model.json is not valid JSON");
    }
}
