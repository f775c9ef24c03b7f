package io.convserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.convserve.protocol.GRPCInferenceServiceGrpc;
import io.convserve.protocol.GrpcService.InferParameter;
import io.convserve.protocol.GrpcService.InferTensorContents;
import io.convserve.protocol.GrpcService.ModelConfigRequest;
import io.convserve.protocol.GrpcService.ModelInferRequest;
import io.convserve.protocol.GrpcService.ModelInferResponse;
import io.convserve.protocol.GrpcService.ModelMetadataRequest;
import io.convserve.protocol.GrpcService.ModelMetadataResponse;
import io.convserve.protocol.GrpcService.ModelReadyRequest;
import io.convserve.protocol.GrpcService.ModelStatisticsRequest;
import io.convserve.protocol.GrpcService.RepositoryIndexRequest;
import io.convserve.protocol.GrpcService.RepositoryModelLoadRequest;
import io.convserve.protocol.GrpcService.RepositoryModelUnloadRequest;
import io.convserve.protocol.GrpcService.ServerLiveRequest;
import io.convserve.protocol.GrpcService.ServerMetadataRequest;
import io.convserve.protocol.GrpcService.ServerReadyRequest;
import io.convserve.protocol.ModelConfigProto.ModelConfig;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.test.web.server.LocalManagementPort;

/**
 * The gRPC protocol through the Java client the build generates from src/main/proto, against the HTTP answer of the
 * same service for the same input, on the bundled lenet5 and alexnet, with API keys configured.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "inference.auth.inference-keys=read-k3y",
        "inference.auth.management-keys=manage-s3cret",
        "inference.auth.management=keys",
        "inference.models.alexnet.max-queue-size=2",
        "inference.models.alexnet.dynamic-batching=false"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcApiTest {

    static final String KEY = "read-k3y";
    static final String MANAGEMENT_KEY = "manage-s3cret";

    @LocalServerPort
    int httpPort;

    @LocalManagementPort
    int managementPort;

    @Autowired
    GrpcServer server;

    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub anonymous;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub client;
    final HttpClient http = HttpClient.newHttpClient();
    float[] digits;
    int[] labels;

    @BeforeAll
    void connect() throws Exception {
        channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
        anonymous = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        client = withKey(KEY);
        File images = new File(getClass().getClassLoader().getResource("mnist/test_images_u8.npy").toURI());
        float[] u8 = Nd4j.createFromNpyFile(images).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8))
                .castTo(DataType.FLOAT).dup('c').data().asFloat();
        labels = Nd4j.createFromNpyFile(new File(getClass().getClassLoader().getResource("mnist/test_labels.npy")
                .toURI())).castTo(DataType.INT32).toIntVector();
        digits = new float[8 * 784];
        for (int i = 0; i < digits.length; i++) {
            int pixel = (int) u8[i] & 0xFF; // ND4J reads the npy's uint8 as signed bytes
            digits[i] = (float) ((pixel / 255.0 - 0.1307) / 0.3081);
        }
    }

    @AfterAll
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub withKey(String key) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        return GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static ByteString raw(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return ByteString.copyFrom(b.array());
    }

    static float[] floats(ByteString raw) {
        float[] out = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    ModelInferRequest.Builder lenet(int batch) {
        return ModelInferRequest.newBuilder().setModelName("lenet5").setId("req-" + batch)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of((long) batch, 1L, 28L, 28L)))
                .addRawInputContents(raw(Arrays.copyOf(digits, batch * 784)));
    }

    /** The HTTP binary v2 answer for the same FP32 input: the bytes of the output tensor that follow the header. */
    byte[] httpBinary(String model, long[] shape, float[] values, String outputsJson) throws Exception {
        String header = "{\"inputs\":[{\"name\":\"input\",\"shape\":" + Arrays.toString(shape)
                + ",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + values.length * 4 + "}}]"
                + ",\"outputs\":" + outputsJson + "}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[json.length + values.length * 4];
        System.arraycopy(json, 0, body, 0, json.length);
        raw(values).copyTo(body, json.length);
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort
                        + "/v2/models/" + model + "/infer")).header("X-API-Key", KEY)
                .header("Inference-Header-Content-Length", Integer.toString(json.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        int length = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        return Arrays.copyOfRange(r.body(), length, r.body().length);
    }

    static Status.Code code(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        return Status.Code.OK;
    }

    static StatusRuntimeException failure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void serverAndModelMetadataAndReadiness() {
        assertThat(anonymous.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(anonymous.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        var meta = anonymous.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(meta.getName()).isEqualTo("convserve");
        assertThat(meta.getExtensionsList()).contains("classification", "model_repository", "statistics");

        assertThat(client.modelReady(ModelReadyRequest.newBuilder().setName("lenet5").build()).getReady()).isTrue();
        assertThat(client.modelReady(ModelReadyRequest.newBuilder().setName("lenet5").setVersion("1").build())
                .getReady()).isTrue();
        assertThat(client.modelReady(ModelReadyRequest.newBuilder().setName("lenet5").setVersion("7").build())
                .getReady()).isFalse();
        assertThat(client.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()).getReady()).isFalse();

        ModelMetadataResponse m = client.modelMetadata(ModelMetadataRequest.newBuilder().setName("lenet5").build());
        assertThat(m.getVersionsList()).containsExactly("1");
        assertThat(m.getInputs(0).getName()).isEqualTo("input");
        assertThat(m.getInputs(0).getShapeList()).containsExactly(-1L, 1L, 28L, 28L);
        assertThat(m.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(m.getOutputs(0).getShapeList()).containsExactly(-1L, 10L);

        StatusRuntimeException unknown = failure(() -> client.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("nope").build()));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getStatus().getDescription()).contains("unknown model 'nope'", "lenet5");
        StatusRuntimeException version = failure(() -> client.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("lenet5").setVersion("7").build()));
        assertThat(version.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(version.getStatus().getDescription()).contains("no version '7'", "[1]");
    }

    @Test
    void rawInferenceEqualsTheHttpBinaryAnswerBitForBit() throws Exception {
        ModelInferResponse r = client.modelInfer(lenet(8).build());
        assertThat(r.getModelName()).isEqualTo("lenet5");
        assertThat(r.getModelVersion()).isEqualTo("1");
        assertThat(r.getId()).isEqualTo("req-8");
        assertThat(r.getOutputs(0).getName()).isEqualTo("probabilities");
        assertThat(r.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(r.getOutputs(0).getShapeList()).containsExactly(8L, 10L);
        byte[] overHttp = httpBinary("lenet5", new long[] {8, 1, 28, 28}, Arrays.copyOf(digits, 8 * 784),
                "[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":true}}]");
        assertThat(r.getRawOutputContents(0).toByteArray()).isEqualTo(overHttp);
        float[] scores = floats(r.getRawOutputContents(0));
        int[] predicted = new int[8];
        for (int row = 0; row < 8; row++) {
            for (int c = 1; c < 10; c++) {
                if (scores[row * 10 + c] > scores[row * 10 + predicted[row]]) {
                    predicted[row] = c;
                }
            }
        }
        assertThat(predicted).containsExactly(Arrays.copyOf(labels, 8));
    }

    @Test
    void typedContentsAndFp16RawGiveTheSameAnswer() {
        float[] one = Arrays.copyOf(digits, 784);
        ModelInferRequest.Builder typed = ModelInferRequest.newBuilder().setModelName("lenet5")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of(1L, 1L, 28L, 28L)).setContents(InferTensorContents.newBuilder()
                                .addAllFp32Contents(boxed(one))));
        ModelInferResponse fromTyped = client.modelInfer(typed.build());
        assertThat(fromTyped.getRawOutputContentsCount()).as("typed in, typed out").isZero();
        float[] expected = floats(client.modelInfer(lenet(1).build()).getRawOutputContents(0));
        assertThat(fromTyped.getOutputs(0).getContents().getFp32ContentsList()).containsExactlyElementsOf(boxed(expected));

        // FP16: values that binary16 holds exactly give the FP32 answer bit for bit
        float[] halves = new float[784];
        ByteBuffer fp16 = ByteBuffer.allocate(784 * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 784; i++) {
            halves[i] = (i % 17) * 0.25f - 2f;
            fp16.putShort(i * 2, toHalf(halves[i]));
        }
        ModelInferResponse fromHalf = client.modelInfer(ModelInferRequest.newBuilder().setModelName("lenet5")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP16")
                        .addAllShape(List.of(1L, 1L, 28L, 28L)))
                .addRawInputContents(ByteString.copyFrom(fp16.array())).build());
        ModelInferResponse fromFloat = client.modelInfer(ModelInferRequest.newBuilder().setModelName("lenet5")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of(1L, 1L, 28L, 28L)))
                .addRawInputContents(raw(halves)).build());
        assertThat(fromHalf.getRawOutputContents(0)).isEqualTo(fromFloat.getRawOutputContents(0));
    }

    /** binary16 of a float that it holds exactly (sign, 5-bit exponent, 10-bit mantissa). */
    static short toHalf(float f) {
        if (f == 0) {
            return 0;
        }
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xFF) - 127 + 15;
        int mantissa = (bits >>> 13) & 0x3FF;
        return (short) (sign | exponent << 10 | mantissa);
    }

    static List<Float> boxed(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    @Test
    void layerOutputsAndClassificationAsOverHttp() throws Exception {
        ModelInferResponse r = client.modelInfer(lenet(2).clearOutputs()
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("conv1"))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probabilities")
                        .putParameters("classification", InferParameter.newBuilder().setInt64Param(3).build()))
                .build());
        assertThat(r.getOutputs(0).getName()).isEqualTo("conv1");
        assertThat(r.getOutputs(0).getShapeList()).containsExactly(2L, 6L, 28L, 28L);
        byte[] conv1 = httpBinary("lenet5", new long[] {2, 1, 28, 28}, Arrays.copyOf(digits, 2 * 784),
                "[{\"name\":\"conv1\",\"parameters\":{\"binary_data\":true}}]");
        assertThat(r.getRawOutputContents(0).toByteArray()).isEqualTo(conv1);
        assertThat(r.getOutputs(1).getDatatype()).isEqualTo("BYTES");
        assertThat(r.getOutputs(1).getShapeList()).containsExactly(2L, 3L);
        byte[] classes = httpBinary("lenet5", new long[] {2, 1, 28, 28}, Arrays.copyOf(digits, 2 * 784),
                "[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":true,\"classification\":3}}]");
        assertThat(r.getRawOutputContents(1).toByteArray()).isEqualTo(classes);
        ByteBuffer b = r.getRawOutputContents(1).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] first = new byte[b.getInt()];
        b.get(first);
        assertThat(new String(first, StandardCharsets.UTF_8)).matches("-?[0-9.E-]+:" + labels[0] + "(:.*)?");
    }

    @Test
    void badInputIsInvalidArgumentNamingTheExpectedValue() {
        var badShape = failure(() -> client.modelInfer(ModelInferRequest.newBuilder().setModelName("lenet5")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of(1L, 28L, 28L)))
                .addRawInputContents(raw(new float[784])).build()));
        assertThat(badShape.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badShape.getStatus().getDescription()).contains("[1, 28, 28]", "[-1, 1, 28, 28]",
                "send [1, 1, 28, 28]");

        var badType = failure(() -> client.modelInfer(lenet(1).setInputs(0, lenet(1).getInputs(0).toBuilder()
                .setDatatype("BYTES")).build()));
        assertThat(badType.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badType.getStatus().getDescription()).contains("'BYTES' is not supported", "FP32", "FP16");

        var badSize = failure(() -> client.modelInfer(lenet(1).setRawInputContents(0,
                ByteString.copyFrom(new byte[100])).build()));
        assertThat(badSize.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badSize.getStatus().getDescription()).contains("100 bytes", "needs 3136");

        float[] nan = Arrays.copyOf(digits, 784);
        nan[5] = Float.NaN;
        var notFinite = failure(() -> client.modelInfer(lenet(1).setRawInputContents(0, raw(nan)).build()));
        assertThat(notFinite.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(notFinite.getStatus().getDescription()).contains("element 5 is NaN", "finite");

        var badName = failure(() -> client.modelInfer(lenet(1).setInputs(0, lenet(1).getInputs(0).toBuilder()
                .setName("image")).build()));
        assertThat(badName.getStatus().getDescription()).contains("'image'", "Expected input: 'input'");

        var badOutput = failure(() -> client.modelInfer(lenet(1).addOutputs(
                ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("softmax9")).build()));
        assertThat(badOutput.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badOutput.getStatus().getDescription()).contains("'softmax9'", "conv1");

        var tooManyValues = failure(() -> client.modelInfer(lenet(1).setInputs(0, lenet(1).getInputs(0).toBuilder()
                .clearShape().addAllShape(List.of(1L, 1L, 28L, 28L)).setContents(InferTensorContents.newBuilder()
                        .addAllFp32Contents(boxed(new float[10])))).clearRawInputContents().build()));
        assertThat(tooManyValues.getStatus().getDescription()).contains("needs 784 values", "received 10");

        var batch = failure(() -> client.modelInfer(ModelInferRequest.newBuilder().setModelName("lenet5")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("UINT8")
                        .addAllShape(List.of(65L, 1L, 28L, 28L)))
                .addRawInputContents(ByteString.copyFrom(new byte[65 * 784])).build()));
        assertThat(batch.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(batch.getStatus().getDescription()).contains("batch size 65", "maximum batch size 64");

        var notFound = failure(() -> client.modelInfer(lenet(1).setModelName("nope").build()));
        assertThat(notFound.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        var noVersion = failure(() -> client.modelInfer(lenet(1).setModelVersion("3").build()));
        assertThat(noVersion.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void aMessageOverTheRequestLimitIsResourceExhausted() {
        // 17 MiB: over inference.limits.max-request-bytes (16 MiB), refused from the length prefix
        var tooLarge = failure(() -> client.modelInfer(lenet(1).setRawInputContents(0,
                ByteString.copyFrom(new byte[17 << 20])).build()));
        assertThat(tooLarge.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(client.modelInfer(lenet(1).build()).getOutputsCount()).as("the connection still serves").isOne();
    }

    @Test
    void keysAreCheckedAsOverHttp() {
        StatusRuntimeException none = failure(() -> anonymous.modelInfer(lenet(1).build()));
        assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(none.getStatus().getDescription()).contains("authorization: Bearer <key>");
        assertThat(code(() -> withKey("wrong").modelMetadata(ModelMetadataRequest.newBuilder().setName("lenet5")
                .build()))).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(() -> client.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                .setModelName("lenet5").build()))).as("an inference key cannot manage").isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(() -> anonymous.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
                .setModelName("lenet5").build()))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(code(() -> withKey(MANAGEMENT_KEY).modelInfer(lenet(1).build())))
                .as("a management key also infers").isEqualTo(Status.Code.OK);
    }

    @Test
    void modelConfigStatisticsAndRepositoryIndex() throws Exception {
        ModelConfig config = client.modelConfig(ModelConfigRequest.newBuilder().setName("lenet5").build()).getConfig();
        assertThat(config.getName()).isEqualTo("lenet5");
        assertThat(config.getMaxBatchSize()).isEqualTo(64);
        assertThat(config.getInput(0).getDimsList()).containsExactly(1L, 28L, 28L);
        assertThat(config.getOutput(0).getDimsList()).containsExactly(10L);
        assertThat(config.hasDynamicBatching()).isTrue();
        assertThat(client.modelConfig(ModelConfigRequest.newBuilder().setName("alexnet").build()).getConfig()
                .hasDynamicBatching()).isFalse();

        long before = client.modelStatistics(ModelStatisticsRequest.newBuilder().setName("lenet5").build())
                .getModelStats(0).getInferenceStats().getSuccess().getCount();
        double metricBefore = successMetric("lenet5");
        for (int i = 0; i < 3; i++) {
            client.modelInfer(lenet(2).build());
        }
        var stats = client.modelStatistics(ModelStatisticsRequest.newBuilder().setName("lenet5").build());
        assertThat(stats.getModelStats(0).getInferenceStats().getSuccess().getCount() - before)
                .as("counted once per call").isGreaterThanOrEqualTo(3);
        assertThat(successMetric("lenet5") - metricBefore).as("nv_inference_request_success").isGreaterThanOrEqualTo(3);
        assertThat(client.modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsList())
                .extracting(s -> s.getName()).contains("lenet5", "alexnet");

        var index = client.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertThat(index.getModelsList()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("lenet5");
            assertThat(m.getState()).isEqualTo("READY");
            assertThat(m.getVersion()).isEqualTo("1");
        });

        var management = withKey(MANAGEMENT_KEY);
        assertThat(code(() -> management.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                .setModelName("nope").build()))).isEqualTo(Status.Code.NOT_FOUND);
        var loadUnknown = failure(() -> management.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
                .setModelName("nope").build()));
        assertThat(loadUnknown.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(loadUnknown.getStatus().getDescription()).contains("not in the repository", "lenet5");
    }

    /** nv_inference_request_success of the model's version 1 from /actuator/prometheus. */
    double successMetric(String model) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^nv_inference_request_success\\{[^}]*model=\"" + model
                + "\"[^}]*\\} ([0-9.E]+)$").matcher(text);
        assertThat(m.find()).as("nv_inference_request_success for " + model).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void healthAndReflectionForGrpcurlAndKubernetesProbes() throws Exception {
        var health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        HealthCheckResponse.ServingStatus service;
        do {
            service = health.check(HealthCheckRequest.newBuilder().setService("inference.GRPCInferenceService")
                    .build()).getStatus();
        } while (service != HealthCheckResponse.ServingStatus.SERVING && System.nanoTime() < deadline);
        assertThat(service).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        var stream = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        stream.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> services = answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(s -> s.getName()).toList();
        stream.onCompleted();
        assertThat(services).contains("inference.GRPCInferenceService", "grpc.health.v1.Health");
    }

    @Test
    void queueLimitsAndDeadlinesGiveUnavailableAndDeadlineExceeded() throws Exception {
        // alexnet with a queue of 2 and no batching: 8 concurrent batch-8 calls overflow its queue
        float[] image = new float[8 * 3 * 227 * 227];
        for (int i = 0; i < image.length; i++) {
            image[i] = (i % 255) / 255f;
        }
        ModelInferRequest big = ModelInferRequest.newBuilder().setModelName("alexnet")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of(8L, 3L, 227L, 227L)))
                .addRawInputContents(raw(image)).build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Status.Code>> codes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                codes.add(pool.submit(() -> code(() -> client.modelInfer(big))));
            }
            List<Status.Code> seen = new ArrayList<>();
            for (Future<Status.Code> f : codes) {
                seen.add(f.get(120, TimeUnit.SECONDS));
            }
            assertThat(seen).contains(Status.Code.OK, Status.Code.UNAVAILABLE);
            assertThat(seen).allMatch(c -> c == Status.Code.OK || c == Status.Code.UNAVAILABLE);

            // one call computing, then one whose timeout (1 ms, as over HTTP) passes in the queue behind it
            Future<Status.Code> first = pool.submit(() -> code(() -> client.modelInfer(big)));
            Thread.sleep(50);
            StatusRuntimeException late = failure(() -> client.modelInfer(big.toBuilder().putParameters("timeout",
                    InferParameter.newBuilder().setInt64Param(1000).build()).build()));
            assertThat(late.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(late.getStatus().getDescription()).contains("not computed");
            assertThat(first.get(120, TimeUnit.SECONDS)).isEqualTo(Status.Code.OK);

            // the client's own deadline is the queue deadline too
            Future<Status.Code> busy = pool.submit(() -> code(() -> client.modelInfer(big)));
            Thread.sleep(50);
            assertThat(code(() -> client.withDeadlineAfter(5, TimeUnit.MILLISECONDS).modelInfer(big)))
                    .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(busy.get(120, TimeUnit.SECONDS)).isEqualTo(Status.Code.OK);
        } finally {
            pool.shutdownNow();
        }
    }

    ModelInferRequest digit(int i) {
        return ModelInferRequest.newBuilder().setModelName("lenet5")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of(1L, 1L, 28L, 28L)))
                .addRawInputContents(raw(Arrays.copyOfRange(digits, i * 784, (i + 1) * 784))).build();
    }

    /**
     * Clients on their own connections, each sending its own digit, while the model is reloaded three times: no call
     * fails, and each gets its own digit's answer. Dynamic batching merges concurrent calls into batches of varying
     * size, whose kernels may round differently in the last bits, so answers are compared to 1e-5, which still
     * tells one digit's scores from another's.
     */
    @Test
    void concurrentClientsAndAModelSwappedUnderTrafficFailNoCall() throws Exception {
        int clients = 6;
        float[][] expected = new float[clients][];
        for (int i = 0; i < clients; i++) {
            expected[i] = floats(client.modelInfer(digit(i)).getRawOutputContents(0));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch started = new CountDownLatch(clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int t = 0; t < clients; t++) {
                ManagedChannel own = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
                channels.add(own);
                Metadata headers = new Metadata();
                headers.put(ApiKeyInterceptor.AUTHORIZATION, "Bearer " + KEY);
                var stub = GRPCInferenceServiceGrpc.newBlockingStub(own)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
                int mine = t;
                pool.submit(() -> {
                    started.countDown();
                    while (!stop.get() && calls.get() < 5000) {
                        try {
                            float[] out = floats(stub.modelInfer(digit(mine)).getRawOutputContents(0));
                            for (int c = 0; c < out.length; c++) {
                                if (Math.abs(out[c] - expected[mine][c]) > 1e-5) {
                                    failures.add("digit " + mine + " class " + c + ": " + out[c] + " instead of "
                                            + expected[mine][c]);
                                    break;
                                }
                            }
                            calls.incrementAndGet();
                        } catch (RuntimeException e) {
                            failures.add(e.toString());
                        }
                    }
                });
            }
            started.await(10, TimeUnit.SECONDS);
            var management = withKey(MANAGEMENT_KEY);
            for (int i = 0; i < 3; i++) {
                Thread.sleep(300);
                management.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("lenet5").build());
            }
            Thread.sleep(300);
        } finally {
            stop.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            channels.forEach(ManagedChannel::shutdownNow);
        }
        assertThat(failures).isEmpty();
        assertThat(calls.get()).isGreaterThan(clients * 5);
    }

    /**
     * An independent client: Python's grpcio with stubs that grpcio-tools generates from src/main/proto at run time
     * (src/test/python/grpc_client_check.py), run with {@code CONVSERVE_PYTHON}.
     */
    @Test
    @org.junit.jupiter.api.Tag("python")
    void independentPythonClient() throws Exception {
        String python = System.getenv().getOrDefault("CONVSERVE_PYTHON", "python3");
        Process check = new ProcessBuilder(python, "-c", "import grpc, grpc_tools, numpy").redirectErrorStream(true)
                .start();
        String missing = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as(python + " lacks grpcio, grpcio-tools or numpy (tools/ci/python-env.sh makes "
                + "the environment; export CONVSERVE_PYTHON=<its python>): " + missing).isZero();
        Process client = new ProcessBuilder(python, "src/test/python/grpc_client_check.py",
                "--proto-dir", "src/main/proto", "--grpc", "localhost:" + server.port(),
                "--http", "http://localhost:" + httpPort, "--key", KEY, "--management-key", MANAGEMENT_KEY)
                .redirectErrorStream(true).start();
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(client.exitValue()).as(output).isZero();
        assertThat(output).as(output).contains("8 passed, 0 failed").doesNotContain("FAIL");
    }
}
