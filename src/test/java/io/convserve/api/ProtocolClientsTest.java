package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convserve.client.ApiClient;
import io.convserve.client.api.InferenceApi;
import io.convserve.client.api.ModelSummaryApi;
import io.convserve.client.api.ModelsApi;
import io.convserve.client.api.PredictApi;
import io.convserve.client.api.ServerApi;
import io.convserve.client.model.InferInputTensor;
import io.convserve.client.model.InferRequest;
import io.convserve.client.model.InferRequestedOutput;
import io.convserve.client.model.InferResponse;
import io.convserve.client.model.LayersResponse;
import io.convserve.client.model.PredictRequest;
import io.convserve.registry.ModelRegistry;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import triton.client.InferInput;
import triton.client.InferResult;
import triton.client.InferenceServerClient;

/**
 * Clients we did not write, against the running service: the Triton/KServe v2 Java client (JSON and binary
 * tensors) and a client generated from api-spec/openapi.yaml by openapi-generator. Every exchange passes through
 * a proxy that validates it against the same spec.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolClientsTest {

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    ValidatingProxy proxy;
    float[] digits;
    int[] labels;

    @BeforeAll
    void start() throws Exception {
        proxy = new ValidatingProxy(port);
        File images = new File(getClass().getClassLoader().getResource("mnist/test_images_u8.npy").toURI());
        File labelFile = new File(getClass().getClassLoader().getResource("mnist/test_labels.npy").toURI());
        INDArray u8 = Nd4j.createFromNpyFile(images).get(NDArrayIndex.interval(0, 8)).castTo(DataType.FLOAT);
        digits = u8.div(255.0).subi(0.1307).divi(0.3081).dup('c').data().asFloat();
        labels = Nd4j.createFromNpyFile(labelFile).castTo(DataType.INT32).toIntVector();
    }

    @AfterAll
    void stop() {
        assertThat(proxy.exchanges()).isGreaterThan(5);
        assertThat(proxy.violations()).as("exchanges that break api-spec/openapi.yaml").isEmpty();
        proxy.close();
    }

    /** The engine in-process, through the execution plan for this batch size, as the service runs it. */
    float[] engine(int count) {
        return registry.find("lenet5", null).orElseThrow().network().plan(count)
                .run(java.util.Arrays.copyOf(digits, count * 784), java.util.Set.of())
                .get(io.convserve.model.Network.OUTPUT).dup('c').data().asFloat();
    }

    static int argmax(float[] values, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    float[] tritonInfer(boolean binary) throws Exception {
        try (InferenceServerClient client = new InferenceServerClient("localhost:" + proxy.port(), 30_000, 30_000)) {
            InferInput input = new InferInput("input", new long[] {8, 1, 28, 28}, triton.client.pojo.DataType.FP32);
            input.setData(digits, binary);
            List<triton.client.InferRequestedOutput> outputs = List.of(
                    new triton.client.InferRequestedOutput("probabilities", binary));
            InferResult result = client.infer(new InferenceServerClient.InferArguments("lenet5", List.of(input), outputs)
                    .setRequestId("triton-" + binary));
            assertThat(result.getResponse().getModelName()).isEqualTo("lenet5");
            return result.getOutputAsFloat("probabilities");
        }
    }

    @Test
    void tritonClientJsonModeGetsTheEngineOutput() throws Exception {
        float[] served = tritonInfer(false);

        float[] engine = engine(8);
        assertThat(served).hasSize(80).containsExactly(engine);
        for (int n = 0; n < 8; n++) {
            assertThat(argmax(served, n * 10, 10)).isEqualTo(labels[n]);
        }
    }

    @Test
    void tritonClientBinaryModeIsBitForBitTheEngineOutput() throws Exception {
        float[] served = tritonInfer(true);

        assertThat(served).containsExactly(engine(8));
    }

    ApiClient generatedClient() {
        ApiClient client = new ApiClient();
        client.updateBaseUri("http://localhost:" + proxy.port());
        return client;
    }

    @Test
    void generatedClientReadsMetadataAndInfers() throws Exception {
        ApiClient client = generatedClient();

        assertThat(new ServerApi(client).serverMetadata().getExtensions()).contains("binary_tensor_data", "model_summary");
        assertThat(new ModelsApi(client).metadata("lenet5").getInputs().get(0).getShape()).containsExactly(-1L, 1L, 28L, 28L);
        List<Object> data = new ArrayList<>();
        for (int i = 0; i < 784; i++) {
            data.add(digits[i]);
        }
        InferRequest request = new InferRequest().id("generated")
                .inputs(List.of(new InferInputTensor().name("input").shape(List.of(1L, 1L, 28L, 28L))
                        .datatype(InferInputTensor.DatatypeEnum.FP32).data(data)))
                .outputs(List.of(new InferRequestedOutput().name("probabilities")
                        .parameters(Map.of("classification", 2))));

        InferResponse response = new InferenceApi(client).infer("lenet5", request, null);

        assertThat(response.getId()).isEqualTo("generated");
        assertThat(response.getOutputs().get(0).getDatatype()).isEqualTo("BYTES");
        assertThat(response.getOutputs().get(0).getData().get(0).toString()).contains(":" + labels[0] + ":");
    }

    @Test
    void generatedClientAsksForLayerShapesAndPredicts() throws Exception {
        ApiClient client = generatedClient();

        // AlexNet's architecture at 224 pixels, without its loaded weights (which take 227)
        LayersResponse alexnet = new ModelSummaryApi(client).summary(new io.convserve.client.model.SummaryRequest()
                .model("alexnet").inputShape(List.of(3, 224, 224)).batchSize(2), null);
        List<Object> instance = new ArrayList<>();
        for (int i = 0; i < 784; i++) {
            instance.add(digits[784 + i]);
        }
        var predictions = new PredictApi(client).predict("lenet5", new PredictRequest().instances(List.of(instance)));

        assertThat(alexnet.getLayers().get(12).getInputShape()).containsExactly(2L, 6400L);
        assertThat(alexnet.getTotals().getParameters()).isEqualTo(62_378_344L - 37_752_832L + 26_218_496L);
        assertThat(predictions.getPredictions()).hasSize(1);
        List<java.math.BigDecimal> row = predictions.getPredictions().get(0);
        float[] values = new float[row.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = row.get(i).floatValue();
        }
        assertThat(argmax(values, 0, 10)).isEqualTo(labels[1]);
    }

    @Test
    void generatedClientSeesErrorsAsJsonWithError() {
        ApiClient client = generatedClient();

        assertThatThrownBy(() -> new ModelsApi(client).metadata("no-such-model"))
                .isInstanceOfSatisfying(io.convserve.client.ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(404);
                    assertThat(e.getResponseBody()).contains("\"error\":\"unknown model 'no-such-model'");
                });
        assertThatThrownBy(() -> new ModelSummaryApi(client).layers("alexnet", "3,64,64", null, null))
                .isInstanceOfSatisfying(io.convserve.client.ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getResponseBody()).contains("max_pool2d 'pool5' (layer 9)");
                });
    }
}
