package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.model.Layers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** What the page's design view asks of the summary API: the layer types, and where a design breaks. */
class DesignApiTest extends ValidatedApiTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void layerTypesAreTheEnginesWithTheirDefaults() {
        HttpJson.Response response = http.get("/v2/summary/layer-types");
        assertThat(response.status()).isEqualTo(200);
        JsonNode types = response.json().get("layer_types");
        List<String> names = new ArrayList<>();
        types.forEach(t -> names.add(t.get("type").asString()));
        assertThat(names).isEqualTo(Layers.TYPES);

        JsonNode conv = field(types, "conv2d", "filters");
        assertThat(conv.get("required").asBoolean()).isTrue();
        assertThat(field(types, "conv2d", "kernel").get("required").asBoolean()).isTrue();
        assertThat(defaults(types, "conv2d").get("stride").toString()).isEqualTo("[1,1]");
        assertThat(field(types, "conv2d", "stride").get("required").asBoolean()).isFalse();
        assertThat(field(types, "conv2d", "activation").get("options").toString()).contains("\"relu\"", "\"none\"");
        assertThat(field(types, "max_pool2d", "stride").get("same_as").asString()).isEqualTo("pool");
        assertThat(defaults(types, "local_response_norm").get("beta").asDouble()).isEqualTo(0.75);
        assertThat(defaults(types, "zero_pad2d").get("padding").toString()).isEqualTo("[0,0,0,0]");
        assertThat(field(types, "zero_pad2d", "padding").get("required").asBoolean()).isFalse();
        assertThat(field(types, "dense", "units").get("required").asBoolean()).isTrue();
        assertThat(defaults(types, "dense").get("bias").asBoolean()).isTrue();

        // each type, built from its required fields' starting values alone, computes on a 3x32x32 input (dense
        // after a flatten)
        for (JsonNode type : types) {
            ObjectNode layer = JSON.createObjectNode().put("type", type.get("type").asString());
            type.get("fields").forEach(f -> {
                if (f.get("required").asBoolean()) {
                    layer.set(f.get("name").asString(), type.get("defaults").get(f.get("name").asString()));
                }
            });
            String before = layer.get("type").asString().equals("dense") ? "{\"type\": \"flatten\"}, " : "";
            String body = "{\"architecture\": {\"input\": {\"shape\": [3, 32, 32]}, \"layers\": [" + before + layer
                    + "]}}";
            HttpJson.Response summary = http.post("/v2/summary", body, "application/json");
            assertThat(summary.status()).as("%s: %s", layer, summary.body()).isEqualTo(200);
        }
    }

    private static JsonNode defaults(JsonNode types, String type) {
        for (JsonNode t : types) {
            if (t.get("type").asString().equals(type)) {
                return t.get("defaults");
            }
        }
        throw new AssertionError("no layer type " + type);
    }

    private static JsonNode field(JsonNode types, String type, String field) {
        for (JsonNode t : types) {
            if (t.get("type").asString().equals(type)) {
                for (JsonNode f : t.get("fields")) {
                    if (f.get("name").asString().equals(field)) {
                        return f;
                    }
                }
            }
        }
        throw new AssertionError(type + " has no field " + field);
    }

    @Test
    void anImpossibleDesignNamesTheLayerAndKeepsTheRowsBeforeIt() throws Exception {
        ObjectNode alexnet = (ObjectNode) JSON.readTree(Files.readString(Path.of("src/main/resources/models/alexnet/model.json")));
        String body = "{\"architecture\": {\"input\": " + alexnet.get("input") + ", \"layers\": " + alexnet.get("layers")
                + "}, \"input_shape\": [3, 63, 63]}";
        HttpJson.Response response = http.post("/v2/summary", body, "application/json");
        assertThat(response.status()).isEqualTo(422);
        JsonNode problem = response.json();
        assertThat(problem.get("layer_index").asInt()).isEqualTo(9);
        assertThat(problem.get("layer_name").asString()).isEqualTo("pool5");
        // (2 - 3) / 2 + 1 = 0: the rule and every value
        assertThat(problem.get("error").asString()).contains("pool5", "would be 0", "input=[256, 2, 2]", "pool=[3, 3]",
                "stride=[2, 2]");
        JsonNode rows = problem.get("layers");
        assertThat(rows.size()).isEqualTo(9);
        assertThat(rows.get(8).get("name").asString()).isEqualTo("conv5");
        assertThat(rows.get(8).get("output_shape").toString()).isEqualTo("[1,256,2,2]");
    }

    @Test
    void aMalformedLayerIs400WithItsIndex() {
        String body = "{\"architecture\": {\"input\": {\"shape\": [1, 28, 28]}, \"layers\": ["
                + "{\"type\": \"conv2d\", \"name\": \"c1\", \"filters\": 6, \"kernel\": 5},"
                + "{\"type\": \"max_pool2d\", \"name\": \"p1\", \"pool\": 0},"
                + "{\"type\": \"flatten\"}]}}";
        HttpJson.Response response = http.post("/v2/summary", body, "application/json");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("layer_index").asInt()).isEqualTo(1);
        assertThat(response.json().get("layer_name").asString()).isEqualTo("p1");
        assertThat(response.json().get("error").asString()).contains("'pool'", "Received: 0");
        assertThat(response.json().get("layers").size()).isEqualTo(1);
        assertThat(response.json().get("layers").get(0).get("output_shape").toString()).isEqualTo("[1,6,24,24]");
    }

    @Test
    void anErrorOutsideTheLayersHasNoLayerIndex() {
        String body = "{\"architecture\": {\"input\": {\"shape\": [1, 28, 28]}, \"layers\": ["
                + "{\"type\": \"flatten\", \"name\": \"a\"}, {\"type\": \"flatten\", \"name\": \"a\"}]}}";
        HttpJson.Response response = http.post("/v2/summary", body, "application/json");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().has("layer_index")).isFalse();
        assertThat(response.json().get("error").asString()).contains("unique");

        // a fault outside the layers is not put on a layer, even when a layer is also malformed
        String both = "{\"architecture\": {\"format_version\": 2, \"input\": {\"shape\": [1, 28, 28]}, \"layers\": ["
                + "{\"type\": \"max_pool2d\", \"pool\": 0}]}}";
        HttpJson.Response outside = http.post("/v2/summary", both, "application/json");
        assertThat(outside.status()).isEqualTo(400);
        assertThat(outside.json().get("error").asString()).contains("format_version");
        assertThat(outside.json().has("layer_index")).isFalse();
    }
}
