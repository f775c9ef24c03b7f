package io.convserve.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.model.Shape;
import io.convserve.registry.ModelDefinition;
import io.convserve.registry.ModelDefinitionReader;
import io.convserve.registry.NpzWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decoding and preprocessing against Pillow's, on the committed photos and on JPEGs with chroma subsampling, a
 * progressive scan, grayscale and an embedded Adobe RGB profile: {@code src/test/resources/preprocessing/generate.py}
 * ran torchvision's steps (Resize, CenterCrop) on PIL images and stored PIL's pixels; here torchvision's ToTensor and
 * Normalize, {@code (x / 255 - mean) / std}, turn them into the reference tensor. In those normalised units the mean
 * absolute difference must be at most 0.005 and the largest at most 0.1.
 */
class PilReferenceTest {

    static final Path DIR = Path.of("src/test/resources/preprocessing");
    static final JsonNode CASES = read();
    static final Map<String, INDArray> REFERENCE = NpzWeights.read(DIR.resolve("pil_reference.npz"));

    static JsonNode read() {
        try {
            return JsonMapper.builder().build().readTree(Files.readString(DIR.resolve("cases.json")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Stream<String> cases() {
        List<String> names = new ArrayList<>();
        CASES.get("cases").forEach(c -> names.add(c.get("name").asString()));
        return names.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPil(String name) throws Exception {
        JsonNode c = null;
        for (JsonNode candidate : CASES.get("cases")) {
            if (candidate.get("name").asString().equals(name)) {
                c = candidate;
            }
        }
        String image = c.get("image").asString();
        Path file = image.startsWith("encoded/") ? DIR.resolve(image) : Path.of("data/photos", image);
        List<Integer> shape = new ArrayList<>();
        c.get("shape").forEach(d -> shape.add(d.asInt()));
        ModelDefinition.Preprocessing p = preprocessing(c.get("preprocessing"), shape);
        Shape input = Shape.chw(shape.get(0), shape.get(1), shape.get(2));

        float[] ours = ImagePreprocessor.toTensor(new ImageDecoder(8192, 1L << 26).decode(Files.readAllBytes(file)),
                p, input);

        INDArray pil = REFERENCE.get(name); // [H, W, C] uint8 as floats
        int channels = input.channels();
        int h = input.height();
        int w = input.width();
        assertThat(pil.shape()).containsExactly(h, w, channels);
        double sum = 0;
        double max = 0;
        for (int ch = 0; ch < channels; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    // torchvision's ToTensor and Normalize, in float32 as torch computes them
                    float reference = (pil.getFloat(y, x, ch) / 255f - (float) p.mean().get(ch).doubleValue())
                            / (float) p.std().get(ch).doubleValue();
                    double d = Math.abs(ours[(ch * h + y) * w + x] - reference);
                    sum += d;
                    max = Math.max(max, d);
                }
            }
        }
        double mean = sum / ours.length;
        System.out.printf("%s: mean |ours - PIL| %.6f, max %.6f%n", name, mean, max);
        assertThat(mean).as("%s: mean absolute difference from PIL (normalised units)", name).isLessThanOrEqualTo(0.005);
        assertThat(max).as("%s: largest difference from PIL (normalised units)", name).isLessThanOrEqualTo(0.1);
    }

    /** The case's {@code preprocessing} object read as model.json's, through the registry's reader. */
    static ModelDefinition.Preprocessing preprocessing(JsonNode pre, List<Integer> shape) {
        JsonMapper mapper = JsonMapper.builder().build();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("input", Map.of("name", "input", "shape", shape));
        model.put("preprocessing", mapper.convertValue(pre, Map.class));
        model.put("layers", List.of(Map.of("type", "flatten")));
        ModelDefinition.Preprocessing p = new ModelDefinitionReader().parse(model, "case").preprocessing();
        if (p.mean() == null) {
            // grayscale cases: ToTensor only
            return new ModelDefinition.Preprocessing(p.color(), p.resize(), p.centerCrop(), p.scale(), List.of(0.0),
                    List.of(1.0), p.invert());
        }
        return p;
    }
}
