package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The model_summary extension and model listing over real HTTP, on the bundled models (docs/design.md#introspection). */
class IntrospectionApiTest extends ValidatedApiTest {




    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asLong()));
        return out;
    }

    private static void assertError(HttpJson.Response r, int status, String messagePart) {
        assertThat(r.status()).isEqualTo(status);
        JsonNode json = r.json();
        assertThat(json.get("error").asString()).contains(messagePart);
        assertThat(json.get("status").asInt()).isEqualTo(status);
        assertThat(json.has("title")).isTrue();
        assertThat(json.has("type")).isTrue();
        assertThat(json.get("detail").asString()).isEqualTo(json.get("error").asString());
    }

    @Test
    void modelListShowsTheBundledModelsWithDynamicBatch() {
        JsonNode models = http.get("/v2/models").json().get("models");

        List<String> names = new ArrayList<>();
        models.forEach(m -> names.add(m.get("name").asString()));
        assertThat(names).containsExactly("alexnet", "lenet5", "vgg16");
        JsonNode lenet = models.get(1);
        assertThat(longs(lenet.get("input_shape"))).containsExactly(-1L, 1L, 28L, 28L);
        assertThat(longs(lenet.get("output_shape"))).containsExactly(-1L, 10L);
        assertThat(lenet.get("parameters").asLong()).isEqualTo(61706);
        assertThat(lenet.get("generated_weights").asBoolean()).isFalse();
        assertThat(models.get(2).get("parameters").asLong()).isEqualTo(138_357_544L);
    }

    @Test
    void layersHaveEveryDesignFieldAndTheBatchFirst() {
        JsonNode body = http.get("/v2/models/lenet5/layers").json();

        assertThat(fieldNames(body)).contains("model_name", "model_version", "input_shape", "batch_size", "layers",
                "totals");
        assertThat(body.get("model_version").asString()).isEqualTo("1");
        JsonNode conv1 = body.get("layers").get(0);
        assertThat(fieldNames(conv1)).containsExactly("index", "name", "type", "config", "input_shape",
                "output_shape", "parameters", "trainable_parameters", "non_trainable_parameters", "parameter_shapes",
                "macs", "activation_bytes");
        assertThat(longs(conv1.get("input_shape"))).containsExactly(1L, 1L, 28L, 28L);
        assertThat(longs(conv1.get("output_shape"))).containsExactly(1L, 6L, 28L, 28L);
        assertThat(longs(conv1.get("parameter_shapes").get("weight"))).containsExactly(6L, 1L, 5L, 5L);
        assertThat(conv1.get("macs").asLong()).isEqualTo(6L * 28 * 28 * 25);
        assertThat(conv1.get("activation_bytes").asLong()).isEqualTo(6L * 28 * 28 * 4);
        assertThat(conv1.get("config").get("padding").toString()).isEqualTo("[2,2]");
        assertThat(fieldNames(body.get("totals"))).containsExactly("parameters", "trainable_parameters",
                "non_trainable_parameters", "parameter_bytes", "macs", "activation_bytes");
        assertThat(body.get("totals").get("parameters").asLong()).isEqualTo(61706);
    }

    @Test
    void aLoadedModelsTableAtAnInputItsWeightsDoNotFitIs422NamingTheLayer() {
        // the loaded fc6 weights take 9,216 features (256x6x6 at 227 pixels); at 224 pool5 gives 256x5x5
        assertError(http.get("/v2/models/alexnet/layers?input_shape=3,224,224"), 422,
                "layer 'fc6' (dense) has loaded weights for 9,216 input features (weight [4096, 9216]), and "
                        + "input_shape [3, 224, 224] gives it 6,400 input features (weight [4096, 6400]) (256x5x5 "
                        + "after 'pool5'). The loaded weights fix the input to [3, 227, 227]. For the architecture at "
                        + "another input size without its weights, POST /v2/summary with {\"model\": \"alexnet\", "
                        + "\"input_shape\": [3, 224, 224]}");
        HttpJson.Response same = http.get("/v2/models/lenet5/layers?input_shape=1,28,28");
        assertThat(same.status()).as(same.body()).isEqualTo(200);
    }

    @Test
    void layersForAnotherInputSizeAnswerTheFirstDenseLayersInputs() {
        // AlexNet's 227 architecture fed 224 pixels: pool5 gives 5x5, so fc6 receives 6,400 features
        JsonNode body = http.post("/v2/summary", "{\"model\": \"alexnet\", \"input_shape\": [3, 224, 224], "
                + "\"batch_size\": 8}", "application/json").json();
        assertThat(body.get("model_name").asString()).isEqualTo("alexnet");

        JsonNode fc6 = body.get("layers").get(12);
        assertThat(fc6.get("name").asString()).isEqualTo("fc6");
        assertThat(longs(fc6.get("input_shape"))).containsExactly(8L, 6400L);
        assertThat(fc6.get("parameters").asLong()).isEqualTo(6400L * 4096 + 4096);
        assertThat(fc6.get("macs").asLong()).isEqualTo(8L * 6400 * 4096);
        assertThat(body.get("batch_size").asInt()).isEqualTo(8);
        assertThat(longs(body.get("output_shape"))).containsExactly(8L, 1000L);
    }

    @Test
    void versionedRouteAndTextFormat() {
        HttpJson.Response r = http.get("/v2/models/lenet5/versions/1/layers?format=text");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.body()).contains("Model: \"lenet5\" (version 1)", "conv1 (conv2d)", "[1, 6, 28, 28]",
                "Total params: 61,706", "Non-trainable params: 0");
    }

    @Test
    void parametersListShapesPerLayer() {
        JsonNode body = http.get("/v2/models/lenet5/parameters").json();

        JsonNode fc1 = body.get("layers").get(5);
        assertThat(fc1.get("name").asString()).isEqualTo("fc1");
        assertThat(longs(fc1.get("parameter_shapes").get("weight"))).containsExactly(120L, 400L);
        assertThat(longs(fc1.get("parameter_shapes").get("bias"))).containsExactly(120L);
        assertThat(fc1.get("parameter_bytes").asLong()).isEqualTo(4L * 48120);
        assertThat(body.get("totals").get("trainable_parameters").asLong()).isEqualTo(61706);
    }

    @Test
    void impossibleInputSizeIs422NamingTheLayer() {
        assertError(http.get("/v2/models/alexnet/layers?input_shape=3,64,64"), 422,
                "max_pool2d 'pool5' (layer 9): output height would be 0. Received: input=[256, 2, 2]");
    }

    @Test
    void badQueryParametersAre400WithTheExpectedForm() {
        assertError(http.get("/v2/models/alexnet/layers?input_shape=224,224"), 400,
                "input_shape must be [C, H, W]");
        assertError(http.get("/v2/models/alexnet/layers?input_shape=3,x,224"), 400, "Received: '3,x,224'");
        assertError(http.get("/v2/models/alexnet/layers?batch_size=0"), 400, "batch_size must be an integer");
        assertError(http.get("/v2/models/alexnet/layers?format=xml"), 400, "format must be 'json' or 'text'");
    }

    @Test
    void hostileInputSizesAre422WithoutComputing() {
        assertError(http.get("/v2/models/vgg16/layers?input_shape=3,2000000000,2000000000&batch_size=1048576"), 422,
                "overflows the integer range");
        // 100000x100000 would flatten to 2.5 billion features: more than a dimension can hold
        assertError(http.get("/v2/models/alexnet/layers?input_shape=3,100000,100000"), 422,
                "flatten 'flatten' (layer 10): a size or count overflows the integer range");
        HttpJson.Response large = http.post("/v2/summary", "{\"model\": \"alexnet\", \"input_shape\": [3, 20000, "
                + "20000]}", "application/json");
        assertThat(large.status()).isEqualTo(200);
        assertThat(large.json().get("totals").get("macs").asLong()).isGreaterThan(1_000_000_000_000L);
    }

    @Test
    void unknownModelAndVersionAre404() {
        assertError(http.get("/v2/models/resnet/layers"), 404, "unknown model 'resnet'. Available models: [alexnet");
        assertError(http.get("/v2/models/lenet5/versions/9/parameters"), 404,
                "model 'lenet5' has no version '9'. Available versions: [1]");
    }

    @Test
    void summaryOfAnArchitectureWithoutWeights() {
        String body = """
                {"architecture": {"layers": [
                   {"type": "conv2d", "name": "c1", "filters": 8, "kernel": 3, "padding": "same", "stride": 2},
                   {"type": "batch_norm", "name": "bn"},
                   {"type": "global_avg_pool2d", "name": "gap"},
                   {"type": "dense", "name": "fc", "units": 10}]},
                 "input_shape": [3, 7, 9], "batch_size": 2}""";

        JsonNode json = http.post("/v2/summary", body, "application/json").json();

        assertThat(longs(json.get("layers").get(0).get("output_shape"))).containsExactly(2L, 8L, 4L, 5L);
        assertThat(json.get("layers").get(1).get("non_trainable_parameters").asLong()).isEqualTo(16);
        assertThat(json.get("totals").get("parameters").asLong()).isEqualTo(224 + 32 + 90);
    }

    @Test
    void summaryWithoutContentTypeIsReadAsJson() {
        String body = "{\"architecture\": {\"input\": {\"shape\": [1, 28, 28]}, \"layers\": [{\"type\": \"flatten\"}]}}";

        HttpJson.Response r = http.post("/v2/summary", body, null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(longs(r.json().get("output_shape"))).containsExactly(1L, 784L);
    }

    @Test
    void impossibleArchitectureIs422WithTheDesignTemplate() {
        String body = "{\"architecture\": {\"layers\": [{\"type\": \"conv2d\", \"name\": \"conv1\", \"filters\": 96,"
                + " \"kernel\": 11, \"stride\": 4}]}, \"input_shape\": [3, 8, 8]}";

        assertError(http.post("/v2/summary", body, "application/json"), 422,
                "conv2d 'conv1' (layer 0): output height would be 0. Received: input=[3, 8, 8], kernel=[11, 11], "
                        + "stride=[4, 4], padding=[0, 0].");
    }

    @Test
    void malformedArchitectureIs400NamingTheField() {
        String body = "{\"architecture\": {\"layers\": [{\"type\": \"conv2d\", \"filters\": 4}]}, \"input_shape\": [3, 8, 8]}";

        assertError(http.post("/v2/summary", body, "application/json"), 400,
                "conv2d 'conv2d_0' (layer 0): field 'kernel' is required");
        assertError(http.post("/v2/summary", "{\"architecture\": ", "application/json"), 400, "not valid JSON");
        assertError(http.post("/v2/summary", "{}", "application/json"), 400, "give either 'architecture'");
    }

    @Test
    void springsOwnErrorsCarryTheErrorField() {
        assertError(http.method("DELETE", "/v2/models"), 405, "DELETE");
        assertError(http.get("/v2/no-such-route"), 404, "no route for GET /v2/no-such-route");
        assertError(http.post("/v2/summary", "a,b", "text/csv"), 415, "not supported");
    }
}
