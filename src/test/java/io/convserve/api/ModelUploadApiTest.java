package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Triton's load request with an uploaded file ({@code "file:<version>/<name>"}, base64): the imported model then
 * serves through predict, layers and parameters with the shapes and counts its framework reported; failures leave
 * the serving version and the files untouched.
 */
class ModelUploadApiTest extends ValidatedApiTest {

    static Path repository;
    static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) throws Exception {
        repository = Files.createTempDirectory("convserve-upload-");
        properties.add("inference.repository", repository::toString);
        properties.add("inference.auth.management", () -> "open"); // keys: AuthApiTest
    }

    static Path golden(String file) {
        try {
            return Path.of(ModelUploadApiTest.class.getClassLoader().getResource("importers/" + file).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpJson.Response upload(String model, String parameterName, String file, String extra) throws Exception {
        String base64 = Base64.getEncoder().encodeToString(Files.readAllBytes(golden(file)));
        return http.post("/v2/repository/models/" + model + "/load", "{\"parameters\": {\"" + parameterName + "\": \""
                + base64 + "\"" + extra + "}}", "application/json");
    }

    @Test
    void uploadedKerasModelServesPredictLayersAndParametersLikeKerasSummary() throws Exception {
        HttpJson.Response load = upload("lenet-keras", "file:1/model.keras", "keras_lenet/model.keras",
                ", \"config\": \"{\\\"description\\\": \\\"LeNet from Keras\\\", \\\"preprocessing\\\": "
                        + "{\\\"color\\\": \\\"grayscale\\\", \\\"scale\\\": 0.00392156862745098}}\"");

        assertThat(load.status()).as(load.body()).isEqualTo(200);
        assertThat(load.json().get("versions").toString()).isEqualTo("[\"1\"]");

        JsonNode layers = http.get("/v2/models/lenet-keras/layers").json();
        JsonNode summary = JSON.readTree(golden("keras_lenet/summary.json").toFile());
        assertThat(layers.get("totals").get("parameters").asLong()).isEqualTo(summary.get("total_params").asLong());
        for (JsonNode row : summary.get("layers")) {
            JsonNode ours = null;
            for (JsonNode l : layers.get("layers")) {
                if (l.get("name").asString().equals(row.get("name").asString())) {
                    ours = l;
                }
            }
            assertThat(ours).as(row.get("name").asString()).isNotNull();
            assertThat(ours.get("parameters").asLong()).isEqualTo(row.get("params").asLong());
            assertThat(ours.get("output_shape").toString()).isEqualTo("[1," + row.get("output_shape").toString()
                    .replaceAll("[\\[\\] ]", "") + "]");
        }
        JsonNode parameters = http.get("/v2/models/lenet-keras/parameters").json();
        assertThat(parameters.get("totals").get("parameters").asLong()).isEqualTo(61_706L);

        float[] zeros = new float[28 * 28];
        HttpJson.Response infer = http.post("/v2/models/lenet-keras/infer", "{\"inputs\": [{\"name\": \"image\", "
                + "\"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", \"data\": " + java.util.Arrays.toString(zeros)
                + "}]}", "application/json");
        assertThat(infer.status()).as(infer.body()).isEqualTo(200);
        assertThat(infer.json().get("outputs").get(0).get("shape").toString()).isEqualTo("[1,10]");
        assertThat(Files.readString(repository.resolve("lenet-keras/model.json"))).contains("LeNet from Keras");

        byte[] png = Files.readAllBytes(Path.of(ModelUploadApiTest.class.getClassLoader()
                .getResource("digits/00007_label7.png").toURI()));
        HttpJson.Response image = http.postBytes("/predictions/lenet-keras?top_k=3", png,
                java.util.Map.of("Content-Type", "image/png"));
        assertThat(image.status()).as(image.body()).isEqualTo(200);
        assertThat(image.json().size()).isEqualTo(3);
    }

    @Test
    void uploadedOnnxModelServesWithTorchinfoShapes() throws Exception {
        HttpJson.Response load = upload("alexnet-onnx", "file:1/model.onnx", "onnx_mini_alexnet/model.onnx", "");

        assertThat(load.status()).as(load.body()).isEqualTo(200);
        JsonNode layers = http.get("/v2/models/alexnet-onnx/layers?batch_size=4").json();
        JsonNode summary = JSON.readTree(golden("onnx_mini_alexnet/summary.json").toFile());
        assertThat(layers.get("totals").get("trainable_parameters").asLong())
                .isEqualTo(summary.get("total_params").asLong());
        assertThat(layers.get("layers").get(0).get("name").asString()).isEqualTo("features.0");
        assertThat(layers.get("layers").get(0).get("output_shape").toString()).isEqualTo("[4,8,18,18]");
        HttpJson.Response predict = http.post("/v1/models/alexnet-onnx:predict", "{\"instances\": ["
                + nested(3, 35, 35) + "]}", "application/json");
        assertThat(predict.status()).as(predict.body()).isEqualTo(200);
    }

    /**
     * Every framework layer (summary.json: torchinfo-style rows for PyTorch, count_params() for Keras) against our
     * {@code /layers} row of the same name (output shape with the batch, parameters) and {@code /parameters} row.
     */
    private void layersAndParametersMatch(String model, String summaryFile, boolean trainableOnly, int batch)
            throws Exception {
        JsonNode layers = http.get("/v2/models/" + model + "/layers?batch_size=" + batch).json();
        JsonNode parameters = http.get("/v2/models/" + model + "/parameters").json();
        JsonNode summary = JSON.readTree(golden(summaryFile).toFile());
        String count = trainableOnly ? "trainable_parameters" : "parameters";
        assertThat(layers.get("totals").get(count).asLong()).isEqualTo(summary.get("total_params").asLong());
        assertThat(parameters.get("totals").get(count).asLong()).isEqualTo(summary.get("total_params").asLong());
        int matched = 0;
        for (JsonNode row : summary.get("layers")) {
            String name = row.get("name").asString();
            JsonNode ours = find(layers.get("layers"), name);
            String cls = row.get("class").asString();
            if (ours == null && (cls.equals("InputLayer") || cls.equals("Dropout"))) {
                // Keras' input is no layer of ours; torch.export drops dropout at inference
                assertThat(row.get("params").asLong()).isZero();
                continue;
            }
            assertThat(ours).as("our /layers row for '%s' (%s)", name, cls).isNotNull();
            assertThat(ours.get(count).asLong()).as("parameters of '%s'", name).isEqualTo(row.get("params").asLong());
            assertThat(ours.get("output_shape").toString()).as("output shape of '%s'", name)
                    .isEqualTo("[" + batch + "," + row.get("output_shape").toString().replaceAll("[\\[\\] ]", "") + "]");
            JsonNode p = find(parameters.get("layers"), name);
            assertThat(p).as("our /parameters row for '%s'", name).isNotNull();
            assertThat(p.get(count).asLong()).as("/parameters of '%s'", name).isEqualTo(row.get("params").asLong());
            matched++;
        }
        assertThat(matched).isGreaterThanOrEqualTo(summary.get("layers").size() - 2);
    }

    private static JsonNode find(JsonNode rows, String name) {
        for (JsonNode l : rows) {
            if (l.get("name").asString().equals(name)) {
                return l;
            }
        }
        return null;
    }

    @Test
    void dynamoExportedAlexNetUploadedWithItsExternalWeightsMatchesTorchinfoRowByRow() throws Exception {
        String onnx = Base64.getEncoder().encodeToString(Files.readAllBytes(golden("onnx_dynamo_alexnet/model.onnx")));
        String data = Base64.getEncoder().encodeToString(Files.readAllBytes(
                golden("onnx_dynamo_alexnet/model.onnx.data")));
        HttpJson.Response load = http.post("/v2/repository/models/alexnet-dynamo/load", "{\"parameters\": {"
                + "\"file:1/model.onnx\": \"" + onnx + "\", \"file:1/model.onnx.data\": \"" + data + "\"}}",
                "application/json");

        assertThat(load.status()).as(load.body()).isEqualTo(200);
        layersAndParametersMatch("alexnet-dynamo", "onnx_dynamo_alexnet/summary.json", true, 3);
        assertThat(find(http.get("/v2/models/alexnet-dynamo/layers").json().get("layers"), "features.2")
                .get("type").asString()).isEqualTo("local_response_norm");
    }

    @Test
    void onnxWithExternalWeightsUploadedAloneIs422NamingTheFile() throws Exception {
        HttpJson.Response r = upload("alone", "file:1/model.onnx", "onnx_dynamo_lenet/model.onnx", "");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().get("error").asString()).contains("initializer 'conv1.weight': stored in an external "
                + "data file ('model.onnx.data')").contains("\"file:1/model.onnx.data\"");
    }

    @Test
    void keras2BatchNormGlobalPoolModelMatchesCountParamsRowByRow() throws Exception {
        HttpJson.Response load = upload("bn-gap-keras2", "file:1/model.h5", "keras2_bn_gap/model.h5", "");

        assertThat(load.status()).as(load.body()).isEqualTo(200);
        layersAndParametersMatch("bn-gap-keras2", "keras2_bn_gap/summary.json", false, 2);
    }

    @Test
    void unimportableFileIs422NamingTheNodeAndLeavesTheServingVersionUntouched() throws Exception {
        assertThat(upload("keep", "file:1/model.onnx", "onnx_lenet/model.onnx", "").status()).isEqualTo(200);
        String before = Files.readString(repository.resolve("keep/model.json"));

        HttpJson.Response r = upload("keep", "file:1/model.onnx", "unsupported/resize.onnx", "");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().get("error").asString()).contains("ONNX node 'upsample' (Resize): operator not supported");
        assertThat(Files.readString(repository.resolve("keep/model.json"))).isEqualTo(before);
        assertThat(http.get("/v2/models/keep/layers").json().get("layers").get(0).get("name").asString())
                .isEqualTo("conv1");
        try (var files = Files.list(repository)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).doesNotContain(".import", ".backup")
                    .allMatch(n -> !n.startsWith("."));
        }
    }

    @Test
    void malformedUploadsAre400() throws Exception {
        String path = "/v2/repository/models/bad/load";
        assertThat(http.post(path, "{\"parameters\": {\"file:1/../../x.onnx\": \"AAAA\"}}", "application/json")
                .json().get("error").asString()).contains("must be \"file:<version>/<file name>\"");
        assertThat(http.post(path, "{\"parameters\": {\"file:0/m.onnx\": \"AAAA\"}}", "application/json").status())
                .isEqualTo(400);
        assertThat(http.post(path, "{\"parameters\": {\"file:1/m.onnx\": \"***\"}}", "application/json")
                .json().get("error").asString()).contains("not valid base64");
        assertThat(http.post(path, "{\"parameters\": {\"config\": \"{}\"}}", "application/json")
                .json().get("error").asString()).contains("need a \"file:<version>/<file name>\" parameter");
        assertThat(http.post("/v2/repository/models/.hidden/load", "{\"parameters\": {\"file:1/m.onnx\": \"AAAA\"}}",
                "application/json").json().get("error").asString()).contains("invalid model name '.hidden'");
        assertThat(http.post(path, "{\"parameters\": {\"file:1/m.onnx\": \"AAAA\", \"config\": \"{\\\"layers\\\": []}\"}}",
                "application/json").json().get("error").asString()).contains("parameter 'config' may set");
        assertThat(repository.resolve("bad")).doesNotExist();
    }

    private static String nested(int c, int h, int w) {
        String row = "[" + String.join(",", java.util.Collections.nCopies(w, "0.5")) + "]";
        String plane = "[" + String.join(",", java.util.Collections.nCopies(h, row)) + "]";
        return "[" + String.join(",", java.util.Collections.nCopies(c, plane)) + "]";
    }
}
