package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * examples/triton-repository served as it is, as README shows: Triton's layout with config.pbtxt, ONNX files from
 * both PyTorch exporters and a model-zoo style graph, Keras files and our own format side by side, converted as they
 * load. Each model's output is compared with what its framework computed for the same input (the importer golden
 * files, written by PyTorch / onnxruntime / Keras).
 */
class TritonRepositoryApiTest extends ValidatedApiTest {

    static final Path REPOSITORY = Path.of("examples/triton-repository").toAbsolutePath();

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) {
        properties.add("inference.repository", REPOSITORY::toString);
    }

    static Path golden(String file) {
        try {
            return Path.of(TritonRepositoryApiTest.class.getClassLoader().getResource("importers/" + file).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0} v{1}")
    @CsvSource({"lenet_dynamo,1,onnx_dynamo_lenet", "lenet_legacy,1,onnx_opset17_lenet",
            "alexnet_legacy,1,onnx_legacy_alexnet", "zoo_style,1,onnx_zoo_style", "keras_lenet,1,keras_lenet",
            "keras_lenet,2,keras_lenet", "keras2_bn_gap,1,keras2_bn_gap"})
    void everyModelMatchesItsFramework(String model, String version, String goldenCase) throws Exception {
        Map<String, INDArray> io = Nd4j.createFromNpzFile(golden(goldenCase + "/io.npz").toFile());
        INDArray x = io.get("input");
        INDArray expected = io.get("output");
        JsonNode meta = http.get("/v2/models/" + model + "/versions/" + version).json();
        String input = meta.get("inputs").get(0).get("name").asString();

        HttpJson.Response r = http.post("/v2/models/" + model + "/versions/" + version + "/infer",
                "{\"inputs\": [{\"name\": \"" + input + "\", \"datatype\": \"FP32\", \"shape\": "
                        + java.util.Arrays.toString(x.shape()) + ", \"data\": " + java.util.Arrays.toString(
                        x.dup().data().asFloat()) + "}]}", "application/json");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode out = r.json().get("outputs").get(0);
        assertThat(out.get("shape").toString()).isEqualTo(java.util.Arrays.toString(expected.shape()).replace(" ", ""));
        float[] want = expected.dup().data().asFloat();
        double scale = 1;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(out.get("data").get(i).asDouble() - want[i]));
        }
        assertThat(worst).as(model + " max |ours - framework|").isLessThanOrEqualTo(1e-4 * scale);
    }

    @Test
    void everyFolderIsReadyAndNoneFailed() {
        JsonNode index = http.post("/v2/repository/index", "{}", "application/json").json();
        assertThat(index.size()).as("7 models, keras_lenet with 2 versions").isEqualTo(8);
        for (JsonNode entry : index) {
            assertThat(entry.get("state").asString()).as(entry.toString()).isEqualTo("READY");
        }
    }

    @Test
    void configPbtxtDrivesTheSchedulerAndTheEffectiveConfig() {
        JsonNode dynamo = http.get("/v2/models/lenet_dynamo/config").json();
        assertThat(dynamo.get("max_batch_size").asInt()).isEqualTo(8);
        assertThat(dynamo.get("version_policy").toString()).isEqualTo("{\"latest\":{\"num_versions\":1}}");
        assertThat(dynamo.get("input").get(0).get("dims").toString()).isEqualTo("[1,28,28]");
        assertThat(dynamo.has("dynamic_batching")).isTrue();

        JsonNode lenet = http.get("/v2/models/lenet5/config").json();
        assertThat(lenet.get("max_batch_size").asInt()).isEqualTo(16);
        assertThat(lenet.get("dynamic_batching").get("max_queue_delay_microseconds").asLong()).isEqualTo(500);
        assertThat(lenet.get("dynamic_batching").get("preferred_batch_size").toString()).isEqualTo("[8]");
        assertThat(lenet.get("output").get(0).get("label_filename").asString()).isEqualTo("labels.txt");

        JsonNode keras = http.get("/v2/models/keras_lenet/config").json();
        assertThat(keras.get("version_policy").toString()).isEqualTo("{\"all\":{}}");
        assertThat(keras.get("max_batch_size").asInt()).isEqualTo(32);
        assertThat(keras.has("dynamic_batching")).as("no dynamic_batching in config.pbtxt: Triton's default "
                + "scheduler, one request per pass").isFalse();

        JsonNode alexnet = http.get("/v2/models/alexnet_legacy/config").json();
        assertThat(alexnet.get("model_warmup").get(0).get("batch_size").asInt()).isEqualTo(2);
        assertThat(alexnet.get("dynamic_batching").get("default_queue_policy").get("max_queue_size").asInt())
                .isEqualTo(64);
        assertThat(alexnet.get("parameters").get("description").get("string_value").asString())
                .contains("mini-AlexNet");

        // no config.pbtxt: derived from the file, and the default version policy is the latest one
        JsonNode legacy = http.get("/v2/models/lenet_legacy/config").json();
        assertThat(legacy.get("version_policy").toString()).isEqualTo("{\"latest\":{\"num_versions\":1}}");
        assertThat(legacy.get("max_batch_size").asInt()).isPositive();
    }

    @Test
    void aFixedBatchOneGraphIsServedWithMaxBatchSizeZero() {
        JsonNode config = http.get("/v2/models/zoo_style/config").json();
        assertThat(config.get("max_batch_size").asInt()).isZero();
        assertThat(config.get("input").get(0).get("dims").toString()).isEqualTo("[1,1,12,12]");
        JsonNode meta = http.get("/v2/models/zoo_style").json();
        assertThat(meta.get("inputs").get(0).get("shape").toString()).isEqualTo("[1,1,12,12]");
        assertThat(meta.get("inputs").get(0).get("name").asString()).isEqualTo("data_0");

        float[] two = new float[2 * 144];
        HttpJson.Response r = http.post("/v2/models/zoo_style/infer", "{\"inputs\": [{\"name\": \"data_0\", "
                + "\"datatype\": \"FP32\", \"shape\": [2, 1, 12, 12], \"data\": " + java.util.Arrays.toString(two)
                + "}]}", "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("error").asString()).contains("max_batch_size");
    }

    @Test
    void tfServingStatusMetadataAndPredictByLabel() throws Exception {
        JsonNode status = http.get("/v1/models/keras_lenet").json();
        assertThat(status.get("model_version_status").toString())
                .contains("{\"version\":\"1\",\"state\":\"AVAILABLE\"").contains("\"version\":\"2\"");
        assertThat(http.get("/v1/models/keras_lenet/labels/canary").json().get("model_version_status").get(0)
                .get("version").asString()).isEqualTo("2");

        JsonNode meta = http.get("/v1/models/zoo_style/metadata").json();
        assertThat(meta.get("model_spec").get("version").asString()).isEqualTo("1");
        JsonNode signature = meta.get("metadata").get("signature_def").get("signature_def").get("serving_default");
        assertThat(signature.get("method_name").asString()).isEqualTo("tensorflow/serving/predict");
        assertThat(signature.get("inputs").get("data_0").get("dtype").asString()).isEqualTo("DT_FLOAT");
        assertThat(signature.get("inputs").get("data_0").get("tensor_shape").get("dim").toString())
                .isEqualTo("[{\"size\":\"1\",\"name\":\"\"},{\"size\":\"1\",\"name\":\"\"},"
                        + "{\"size\":\"12\",\"name\":\"\"},{\"size\":\"12\",\"name\":\"\"}]");

        Map<String, INDArray> io = Nd4j.createFromNpzFile(golden("keras_lenet/io.npz").toFile());
        float[] first = io.get("input").get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).dup().data().asFloat();
        HttpJson.Response byLabel = http.post("/v1/models/keras_lenet/labels/canary:predict",
                "{\"instances\": [" + java.util.Arrays.toString(first) + "]}", "application/json");
        assertThat(byLabel.status()).as(byLabel.body()).isEqualTo(200);
        assertThat(byLabel.json().get("model_version").asString()).isEqualTo("2");
        float[] want = io.get("output").get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).dup().data().asFloat();
        for (int i = 0; i < want.length; i++) {
            assertThat(byLabel.json().get("predictions").get(0).get(i).asDouble()).isCloseTo(want[i],
                    org.assertj.core.data.Offset.offset(1e-4));
        }

        HttpJson.Response unknown = http.get("/v1/models/keras_lenet/labels/beta/metadata");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().size()).as("TF Serving's error body: only 'error'").isEqualTo(1);
        assertThat(unknown.json().get("error").asString()).contains("no version label 'beta'").contains("canary");
        assertThat(http.get("/v1/models/resnet").json().get("error").asString()).contains("resnet");
    }
}
