package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /v2/models/{m}/plan}: the planner's steps over real HTTP, on the bundled models. */
class PlanApiTest extends ValidatedApiTest {

    private static List<String> layersOf(JsonNode steps) {
        List<String> names = new ArrayList<>();
        steps.forEach(s -> s.get("layers").forEach(l -> names.add(l.asString())));
        return names;
    }

    @Test
    void lenetAtBatchOneFusesBiasAndActivationAndRunsEveryLayerOnce() {
        JsonNode body = http.get("/v2/models/lenet5/plan?batch_size=1").json();

        assertThat(body.get("model_name").asString()).isEqualTo("lenet5");
        assertThat(body.get("batch_size").asInt()).isEqualTo(1);
        JsonNode steps = body.get("steps");
        JsonNode layers = http.get("/v2/models/lenet5/layers").json().get("layers");
        List<String> expected = new ArrayList<>();
        layers.forEach(l -> expected.add(l.get("name").asString()));
        assertThat(layersOf(steps)).containsExactlyElementsOf(expected);
        JsonNode conv1 = steps.get(0);
        assertThat(conv1.get("op").asString()).isEqualTo("conv2d");
        List<String> fused = new ArrayList<>();
        conv1.get("fused").forEach(f -> fused.add(f.asString()));
        assertThat(fused).containsExactly("bias", "relu");
        // the last dense layer carries its softmax; the output is [1, 10]
        JsonNode last = steps.get(steps.size() - 1);
        assertThat(last.get("op").asString()).isEqualTo("dense");
        assertThat(last.get("fused").toString()).contains("softmax");
        assertThat(last.get("output_shape").toString()).isEqualTo("[1,10]");
        int natives = 0;
        for (JsonNode s : steps) {
            assertThat(s.get("kernel").asString()).isIn("NATIVE", "JAVA", "VIEW");
            assertThat(s.get("input_layout").asString()).isIn("NCHW", "NHWC", "FLAT");
            natives += s.get("kernel").asString().equals("NATIVE") ? 1 : 0;
        }
        assertThat(body.get("native_calls").asInt()).isEqualTo(natives);
    }

    @Test
    void alexnetNormalisesInNhwcWithLayoutCopiesOnlyWhereNeeded() {
        JsonNode steps = http.get("/v2/models/alexnet/versions/1/plan?batch_size=8").json().get("steps");

        boolean lrnInNhwc = false;
        int transposes = 0;
        for (JsonNode s : steps) {
            if (s.get("op").asString().equals("local_response_norm")) {
                lrnInNhwc = s.get("input_layout").asString().equals("NHWC");
            }
            if (s.get("op").asString().equals("transpose")) {
                transposes++;
                assertThat(s.get("layers")).isEmpty();
            }
        }
        assertThat(lrnInNhwc).as("LRN steps read NHWC: %s", steps).isTrue();
        // into NHWC before the first LRN, back to NCHW before flatten: at most one copy each way per LRN block
        assertThat(transposes).isBetween(2, 4);
        assertThat(steps.get(steps.size() - 1).get("output_shape").toString()).isEqualTo("[8,1000]");
    }

    @Test
    void badBatchSizeAndUnknownModelAreClearErrors() {
        for (String bad : List.of("0", "-3", "x", "1.5", "2000000")) {
            HttpJson.Response r = http.get("/v2/models/lenet5/plan?batch_size=" + bad);
            assertThat(r.status()).as("batch_size=%s", bad).isEqualTo(400);
            assertThat(r.json().get("error").asString()).contains("batch_size must be an integer between 1 and")
                    .contains("'" + bad + "'");
        }
        HttpJson.Response missing = http.get("/v2/models/nope/plan?batch_size=1");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("error").asString()).contains("unknown model 'nope'");
    }
}
