package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The Open Inference Protocol (Triton flavour) and TF Serving predict over real HTTP, on the bundled lenet5. */
class InferApiTest extends ValidatedApiTest {


    @Autowired
    ModelRegistry registry;


    static byte[] digitsU8;
    static int[] labels;

    @BeforeAll
    static void digits() throws Exception {
        File images = new File(InferApiTest.class.getClassLoader().getResource("mnist/test_images_u8.npy").toURI());
        File labelFile = new File(InferApiTest.class.getClassLoader().getResource("mnist/test_labels.npy").toURI());
        INDArray u8 = Nd4j.createFromNpyFile(images).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8));
        digitsU8 = new byte[8 * 784];
        float[] asFloat = u8.castTo(DataType.FLOAT).dup('c').data().asFloat();
        for (int i = 0; i < digitsU8.length; i++) {
            digitsU8[i] = (byte) (int) asFloat[i];
        }
        labels = Nd4j.createFromNpyFile(labelFile).castTo(DataType.INT32).toIntVector();
    }


    /** lenet5's preprocessing of digit {@code i}: (u8 / 255 - 0.1307) / 0.3081. */
    static float[] normalised(int count) {
        float[] x = new float[count * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (((digitsU8[i] & 0xFF) / 255.0 - 0.1307) / 0.3081);
        }
        return x;
    }

    static String json(float[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i > 0 ? "," : "").append(values[i]);
        }
        return sb.append(']').toString();
    }

    static int argmax(JsonNode row, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (row.get(offset + i).asDouble() > row.get(offset + best).asDouble()) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void serverMetadataListsExtensionsAndHealthIsUp() {
        JsonNode meta = http.get("/v2").json();

        assertThat(meta.get("name").asString()).isEqualTo("convserve");
        List<String> extensions = new ArrayList<>();
        meta.get("extensions").forEach(e -> extensions.add(e.asString()));
        assertThat(extensions).contains("binary_tensor_data", "classification", "model_repository", "statistics",
                "model_summary");
        assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
        assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/lenet5/ready").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/lenet5/versions/1/ready").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/lenet5/versions/2/ready").status()).isEqualTo(404);
    }

    @Test
    void modelMetadataShowsTheBatchDimensionAsMinusOne() {
        JsonNode meta = http.get("/v2/models/lenet5").json();

        assertThat(meta.get("inputs").get(0).get("name").asString()).isEqualTo("input");
        assertThat(meta.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,1,28,28]");
        assertThat(meta.get("outputs").get(0).get("shape").toString()).isEqualTo("[-1,10]");
        assertThat(http.get("/v2/models/lenet5/config").json().get("input").get(0).get("dims").toString())
                .isEqualTo("[1,28,28]");
    }

    @Test
    void jsonInferWithNestedDataEchoesIdAndClassifiesDigits() {
        float[] x = normalised(4);
        StringBuilder nested = new StringBuilder("[");
        for (int n = 0; n < 4; n++) {
            nested.append(n > 0 ? "," : "").append("[[");
            for (int r = 0; r < 28; r++) {
                nested.append(r > 0 ? "],[" : "").append(json(java.util.Arrays.copyOfRange(x, n * 784 + r * 28,
                        n * 784 + r * 28 + 28)).replace("[", "").replace("]", ""));
            }
            nested.append("]]");
        }
        nested.append("]");
        String body = "{\"id\": \"req-42\", \"inputs\": [{\"name\": \"input\", \"shape\": [4, 1, 28, 28], "
                + "\"datatype\": \"FP32\", \"data\": " + nested + "}]}";

        JsonNode response = http.post("/v2/models/lenet5/infer", body, "application/json").json();

        assertThat(response.get("id").asString()).isEqualTo("req-42");
        assertThat(response.get("model_name").asString()).isEqualTo("lenet5");
        assertThat(response.get("model_version").asString()).isEqualTo("1");
        JsonNode out = response.get("outputs").get(0);
        assertThat(out.get("shape").toString()).isEqualTo("[4,10]");
        for (int n = 0; n < 4; n++) {
            assertThat(argmax(out.get("data"), n * 10, 10)).as("digit %d", n).isEqualTo(labels[n]);
        }
    }

    @Test
    void binaryInferOfUint8DigitsEqualsTheEngineBitForBit() {
        byte[] header = ("{\"inputs\": [{\"name\": \"input\", \"shape\": [8, 1, 28, 28], \"datatype\": \"UINT8\", "
                + "\"parameters\": {\"binary_data_size\": " + digitsU8.length + "}}], "
                + "\"outputs\": [{\"name\": \"probabilities\", \"parameters\": {\"binary_data\": true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[header.length + digitsU8.length];
        System.arraycopy(header, 0, body, 0, header.length);
        System.arraycopy(digitsU8, 0, body, header.length, digitsU8.length);

        HttpJson.Response r = http.postBytes("/v2/models/lenet5/infer", body, Map.of(
                "Inference-Header-Content-Length", Integer.toString(header.length),
                "Content-Type", "application/octet-stream"));

        assertThat(r.status()).isEqualTo(200);
        int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode json = HttpJson.MAPPER.readTree(new String(r.bytes(), 0, jsonLength, StandardCharsets.UTF_8));
        assertThat(json.get("outputs").get(0).get("parameters").get("binary_data_size").asInt()).isEqualTo(8 * 10 * 4);
        float[] served = new float[80];
        ByteBuffer.wrap(r.bytes(), jsonLength, 320).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(served);

        // the engine in-process on the same UINT8 values, converted to FP32 as the server does
        LoadedModel lenet = registry.find("lenet5", null).orElseThrow();
        float[] raw = new float[digitsU8.length];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = digitsU8[i] & 0xFF;
        }
        // the service runs the execution plan for the batch size: the same one in-process gives the same bits
        float[] engine = lenet.network().plan(8).run(raw, java.util.Set.of()).get(io.convserve.model.Network.OUTPUT)
                .dup('c').data().asFloat();
        assertThat(served).containsExactly(engine);
    }

    /** Every input datatype, little-endian binary, converted to FP32: the same values give the same output. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64",
            "UINT8", "UINT16", "UINT32", "UINT64"})
    void everyDatatypeIsConvertedToFp32(String datatype) {
        int n = 784;
        ByteBuffer data = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            int v = (digitsU8[i] & 0xFF) / 2; // 0..127: exact in every datatype
            values[i] = v;
            switch (datatype) {
                case "FP32" -> data.putFloat(v);
                case "FP64" -> data.putDouble(v);
                case "FP16" -> data.putShort(half(v));
                case "INT8", "UINT8" -> data.put((byte) v);
                case "INT16", "UINT16" -> data.putShort((short) v);
                case "INT32", "UINT32" -> data.putInt(v);
                default -> data.putLong(v);
            }
        }
        byte[] tensor = java.util.Arrays.copyOf(data.array(), data.position());
        byte[] header = ("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"" + datatype
                + "\", \"parameters\": {\"binary_data_size\": " + tensor.length + "}}]}").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[header.length + tensor.length];
        System.arraycopy(header, 0, body, 0, header.length);
        System.arraycopy(tensor, 0, body, header.length, tensor.length);

        HttpJson.Response r = http.postBytes("/v2/models/lenet5/infer", body, Map.of(
                "Inference-Header-Content-Length", Integer.toString(header.length)));

        assertThat(r.status()).isEqualTo(200);
        JsonNode data10 = r.json().get("outputs").get(0).get("data");
        float[] served = new float[10];
        for (int i = 0; i < 10; i++) {
            served[i] = data10.get(i).floatValue();
        }
        float[] engine = registry.find("lenet5", null).orElseThrow().network()
                .forward(Nd4j.create(values, new long[] {1, 1, 28, 28}, 'c')).dup('c').data().asFloat();
        assertThat(served).containsExactly(engine);
    }

    /** IEEE binary16 of a small non-negative integer (exact below 2048). */
    static short half(int v) {
        if (v == 0) {
            return 0;
        }
        int exponent = 31 - Integer.numberOfLeadingZeros(v);
        int mantissa = (v << (10 - exponent)) & 0x3FF;
        return (short) (((exponent + 15) << 10) | mantissa);
    }

    @Test
    void classificationReturnsScoreIndexLabelStrings() {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}], \"outputs\": [{\"name\": \"probabilities\", "
                + "\"parameters\": {\"classification\": 3}}]}";

        JsonNode out = http.post("/v2/models/lenet5/infer", body, "application/json").json().get("outputs").get(0);

        assertThat(out.get("datatype").asString()).isEqualTo("BYTES");
        assertThat(out.get("shape").toString()).isEqualTo("[1,3]");
        String[] top = out.get("data").get(0).asString().split(":");
        assertThat(top).hasSize(3);
        assertThat(Integer.parseInt(top[1])).isEqualTo(labels[0]);
        assertThat(top[2]).isEqualTo(Integer.toString(labels[0]));
        assertThat(Double.parseDouble(top[0])).isGreaterThan(Double.parseDouble(out.get("data").get(1).asString()
                .split(":")[0]));
    }

    @Test
    void missingBatchDimensionGetsAHint() {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}]}";

        HttpJson.Response r = http.post("/v2/models/lenet5/infer", body, "application/json");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asString()).isEqualTo("input 'input': unexpected shape [1, 28, 28], "
                + "model 'lenet5' expects [-1, 1, 28, 28]; the first dimension is the batch size: send "
                + "[1, 1, 28, 28] for one example");
    }

    @Test
    void badTensorsAre400NamingInputAndExpectedValue() {
        String wrongName = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}]}";
        String wrongCount = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": [1, 2, 3]}]}";
        String wrongType = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"BF16\", "
                + "\"data\": [1]}]}";
        String badUint8 = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 1, 1], \"datatype\": \"UINT8\", "
                + "\"data\": [300]}]}";

        assertThat(http.post("/v2/models/lenet5/infer", wrongName, "application/json").json().get("error").asString())
                .isEqualTo("unexpected inference input 'x' for model 'lenet5'. Expected input: 'input' [-1, 1, 28, 28]");
        assertThat(http.post("/v2/models/lenet5/infer", wrongCount, "application/json").json().get("error").asString())
                .isEqualTo("input 'input': shape [1, 1, 28, 28] needs 784 values, received 3");
        assertThat(http.post("/v2/models/lenet5/infer", wrongType, "application/json").json().get("error").asString())
                .startsWith("input 'input': datatype 'BF16' is not supported. Expected one of [FP32, FP64, FP16,");
        assertThat(http.post("/v2/models/lenet5/infer", badUint8, "application/json").json().get("error").asString())
                .isEqualTo("input 'input': element 0 is 300, not a valid UINT8 value (0 to 255)");
    }

    /** A binary tensor of {@code n} zeros of the datatype with one element set to the given bit pattern. */
    static byte[] binaryBody(String datatype, int bytesPerElement, int n, int index, long bits) {
        byte[] header = ("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"" + datatype
                + "\", \"parameters\": {\"binary_data_size\": " + n * bytesPerElement + "}}]}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + n * bytesPerElement).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        int at = header.length + index * bytesPerElement;
        switch (bytesPerElement) {
            case 2 -> body.putShort(at, (short) bits);
            case 4 -> body.putInt(at, (int) bits);
            default -> body.putLong(at, bits);
        }
        return body.array();
    }

    /** Binary bytes after the tensors the header announces are refused: no input claims them. */
    @Test
    void inferWhenBinaryBytesAreUnclaimedReturns400NamingTheCount() {
        byte[] valid = binaryBody("FP32", 4, 784, 0, 0);
        byte[] body = java.util.Arrays.copyOf(valid, valid.length + 7);
        int headerLength = new String(body, StandardCharsets.ISO_8859_1).indexOf("}]}") + 3;
        HttpJson.Response r = http.postBytes("/v2/models/lenet5/infer", body, Map.of(
                "Inference-Header-Content-Length", Integer.toString(headerLength),
                "Content-Type", "application/octet-stream"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asString())
                .isEqualTo("request has 7 bytes of binary data that no input claims with binary_data_size");
    }

    /** Policy: NaN and infinities are refused (400) as binary FP32, FP16 and FP64, naming the input and element. */
    @Test
    void inferWhenBinaryTensorHoldsNanOrInfinityReturns400NamingInputAndElement() {
        Map<String, Object[]> cases = new java.util.LinkedHashMap<>();
        cases.put("FP32 NaN", new Object[] {binaryBody("FP32", 4, 784, 5, Float.floatToRawIntBits(Float.NaN)),
                "input 'input': element 5 is NaN; inputs must be finite numbers"});
        cases.put("FP32 +inf", new Object[] {binaryBody("FP32", 4, 784, 783,
                Float.floatToRawIntBits(Float.POSITIVE_INFINITY)),
                "input 'input': element 783 is Infinity; inputs must be finite numbers"});
        cases.put("FP32 -inf", new Object[] {binaryBody("FP32", 4, 784, 0,
                Float.floatToRawIntBits(Float.NEGATIVE_INFINITY)),
                "input 'input': element 0 is -Infinity; inputs must be finite numbers"});
        cases.put("FP16 +inf", new Object[] {binaryBody("FP16", 2, 784, 10, 0x7C00),
                "input 'input': element 10 is Infinity; inputs must be finite numbers"});
        cases.put("FP16 NaN", new Object[] {binaryBody("FP16", 2, 784, 11, 0x7E00),
                "input 'input': element 11 is NaN; inputs must be finite numbers"});
        cases.put("FP64 NaN", new Object[] {binaryBody("FP64", 8, 784, 12, Double.doubleToRawLongBits(Double.NaN)),
                "input 'input': element 12 is NaN; inputs must be finite numbers"});
        cases.put("FP64 beyond FP32", new Object[] {binaryBody("FP64", 8, 784, 13, Double.doubleToRawLongBits(1e300)),
                "input 'input': element 13 is Infinity; inputs must be finite numbers"});
        cases.forEach((what, c) -> {
            byte[] body = (byte[]) c[0];
            int headerLength = new String(body, StandardCharsets.ISO_8859_1).indexOf("}]}") + 3;
            HttpJson.Response r = http.postBytes("/v2/models/lenet5/infer", body, Map.of(
                    "Inference-Header-Content-Length", Integer.toString(headerLength),
                    "Content-Type", "application/octet-stream"));
            assertThat(r.status()).as(what).isEqualTo(400);
            assertThat(r.json().get("error").asString()).as(what).isEqualTo(c[1]);
        });
    }

    /**
     * What JSON clients send instead: Python's json.dumps writes a bare {@code NaN} / {@code Infinity} token (not
     * JSON: refused by the parser, 400 naming the token), a number beyond FP32 becomes infinity (400 naming the
     * element), a string is not a number (400).
     */
    @Test
    void inferWhenJsonHoldsNanTokensOrOverflowingNumbersReturns400() {
        java.util.function.Function<String, String> body = value -> "{\"inputs\": [{\"name\": \"input\", \"shape\": "
                + "[1, 1, 1, 3], \"datatype\": \"FP32\", \"data\": [0.5, " + value + ", 1]}]}";
        for (String token : List.of("NaN", "Infinity", "-Infinity")) {
            HttpJson.Response r = http.post("/v2/models/lenet5/infer", body.apply(token), "application/json");
            assertThat(r.status()).as(token).isEqualTo(400);
            assertThat(r.json().get("error").asString()).as(token).startsWith("request body is not valid JSON: ")
                    .contains(token.replace("-", ""));
        }
        HttpJson.Response overflow = http.post("/v2/models/lenet5/infer", body.apply("1e39"), "application/json");
        assertThat(overflow.status()).isEqualTo(400);
        assertThat(overflow.json().get("error").asString()).isEqualTo("input 'input': element 1 is Infinity; inputs "
                + "must be finite numbers");
        HttpJson.Response string = http.post("/v2/models/lenet5/infer", body.apply("\"NaN\""), "application/json");
        assertThat(string.status()).isEqualTo(400);
        assertThat(string.json().get("error").asString()).isEqualTo("input 'input': data must hold numbers (flat or "
                + "nested lists). Received: \"NaN\" at element 1");
    }

    /** The same policy on TF Serving's predict: the instance and element are named. */
    @Test
    void predictWhenInstanceHoldsNanOrOverflowingNumbersReturns400() {
        java.util.function.Function<String, String> body = value -> "{\"instances\": [" + json(normalised(1))
                + ", [0, 0, " + value + "]]}";
        for (String value : List.of("1e39", "-1e39", "1e309", "\"NaN\"")) {
            HttpJson.Response r = http.post("/v1/models/lenet5:predict", body.apply(value), "application/json");
            assertThat(r.status()).as(value).isEqualTo(400);
            assertThat(r.json().get("error").asString()).as(value).startsWith("instance 1: element 2 must be a "
                    + "finite number (within FP32). Received: ");
        }
        HttpJson.Response token = http.post("/v1/models/lenet5:predict", body.apply("NaN"), "application/json");
        assertThat(token.status()).isEqualTo(400);
        assertThat(token.json().get("error").asString()).startsWith("request body is not valid JSON: ").contains("NaN");
    }

    @Test
    void hugeDeclaredShapesAreRejectedBeforeAnythingIsAllocated() {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [2000000000, 1, 28, 28], "
                + "\"datatype\": \"FP32\", \"data\": [1]}]}";

        HttpJson.Response r = http.post("/v2/models/lenet5/infer", body, "application/json");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asString()).startsWith("input 'input': shape [2000000000, 1, 28, 28] has more "
                + "elements than the model accepts in one request (50176");
    }

    @Test
    void malformedBinaryPayloadsAre400() {
        byte[] header = ("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": 100}}]}").getBytes(StandardCharsets.UTF_8);

        HttpJson.Response sizeMismatch = http.postBytes("/v2/models/lenet5/infer", header,
                Map.of("Inference-Header-Content-Length", Integer.toString(header.length)));
        HttpJson.Response headerTooLong = http.postBytes("/v2/models/lenet5/infer", header,
                Map.of("Inference-Header-Content-Length", "100000"));

        assertThat(sizeMismatch.status()).isEqualTo(400);
        assertThat(sizeMismatch.json().get("error").asString())
                .isEqualTo("input 'input': binary_data_size is 100 bytes but shape [1, 1, 28, 28] of FP32 needs 3136");
        assertThat(headerTooLong.json().get("error").asString())
                .isEqualTo("Inference-Header-Content-Length is 100000 but the request body has " + header.length + " bytes");
    }

    @Test
    void requestWithoutContentTypeIsReadAsJson() {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}]}";

        HttpJson.Response r = http.post("/v2/models/lenet5/infer", body, null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("outputs").get(0).get("shape").toString()).isEqualTo("[1,10]");
    }

    @Test
    void bodyLabelledAsAFormIsReadAsSent() {
        // urllib and curl -d label any body application/x-www-form-urlencoded; a tolerance, not part of the spec,
        // so this exchange goes to the service directly rather than through the validating proxy
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}]}";

        HttpJson.Response r = new HttpJson(port).postBytes("/v2/models/lenet5/infer",
                body.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/x-www-form-urlencoded"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(argmax(r.json().get("outputs").get(0).get("data"), 0, 10)).isEqualTo(labels[0]);
    }

    @Test
    void gzipRequestBodiesAreAccepted() throws Exception {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}]}";
        java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(compressed)) {
            gzip.write(body.getBytes(StandardCharsets.UTF_8));
        }

        HttpJson.Response r = http.postBytes("/v2/models/lenet5/infer", compressed.toByteArray(),
                Map.of("Content-Encoding", "gzip", "Content-Type", "application/json"));
        HttpJson.Response notGzip = http.postBytes("/v2/models/lenet5/infer", body.getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Encoding", "gzip", "Content-Type", "application/json"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(argmax(r.json().get("outputs").get(0).get("data"), 0, 10)).isEqualTo(labels[0]);
        assertThat(notGzip.status()).isEqualTo(400);
        assertThat(notGzip.json().get("error").asString()).startsWith("request body is not valid gzip");
    }

    @Test
    void tfServingPredictReturnsOneRowPerInstance() {
        float[] x = normalised(2);
        String body = "{\"instances\": [" + json(java.util.Arrays.copyOfRange(x, 0, 784)) + ", {\"input\": "
                + json(java.util.Arrays.copyOfRange(x, 784, 1568)) + "}]}";

        JsonNode response = http.post("/v1/models/lenet5:predict", body, "application/json").json();

        JsonNode predictions = response.get("predictions");
        assertThat(predictions.size()).isEqualTo(2);
        assertThat(argmax(predictions.get(0), 0, 10)).isEqualTo(labels[0]);
        assertThat(argmax(predictions.get(1), 0, 10)).isEqualTo(labels[1]);
        assertThat(http.post("/v1/models/lenet5/versions/1:predict", body, "application/json").status()).isEqualTo(200);
        assertThat(http.post("/v1/models/lenet5:predict", "{\"instances\": [[1, 2]]}", "application/json").json()
                .get("error").asString()).isEqualTo("instance 0 has 2 values, model 'lenet5' expects 784 (shape [1, 28, 28])");
    }

    @Test
    void statisticsCountRequestsInferencesAndBatches() {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [2, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(2)) + "}]}";
        JsonNode before = http.get("/v2/models/lenet5/versions/1/stats").json().get("model_stats").get(0);

        for (int i = 0; i < 3; i++) {
            assertThat(http.post("/v2/models/lenet5/infer", body, "application/json").status()).isEqualTo(200);
        }
        http.post("/v2/models/lenet5/infer", "{\"inputs\": []}", "application/json");

        JsonNode after = http.get("/v2/models/lenet5/versions/1/stats").json().get("model_stats").get(0);
        assertThat(after.get("inference_count").asLong() - before.get("inference_count").asLong()).isEqualTo(6);
        assertThat(after.get("execution_count").asLong() - before.get("execution_count").asLong()).isEqualTo(3);
        JsonNode stats = after.get("inference_stats");
        assertThat(stats.get("success").get("count").asLong()
                - before.get("inference_stats").get("success").get("count").asLong()).isEqualTo(3);
        assertThat(stats.get("fail").get("count").asLong()
                - before.get("inference_stats").get("fail").get("count").asLong()).isEqualTo(1);
        List<Long> batchSizes = new ArrayList<>();
        after.get("batch_stats").forEach(b -> batchSizes.add(b.get("batch_size").asLong()));
        assertThat(batchSizes).contains(2L);
    }

    /**
     * Outputs naming layers return those layers' outputs, equal to PyTorch's activations of the same weights on a
     * real digit (src/test/resources/activations/generate.py), in JSON and in binary form.
     */
    @Test
    void layerOutputsEqualPyTorch() throws Exception {
        JsonNode reference = HttpJson.MAPPER.readTree(getClass().getResourceAsStream("/activations/lenet5-digit.json"));
        List<String> layers = List.of("conv1", "pool1", "conv2", "pool2", "flatten", "fc1", "fc2", "fc3");
        StringBuilder outputs = new StringBuilder();
        for (int i = 0; i < layers.size(); i++) {
            // every other output as binary data, the rest as JSON
            outputs.append(i > 0 ? "," : "").append("{\"name\": \"").append(layers.get(i))
                    .append("\", \"parameters\": {\"binary_data\": ").append(i % 2 == 1).append("}}");
        }
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + reference.get("input").get("data") + "}], \"outputs\": [" + outputs
                + ", {\"name\": \"probabilities\"}]}";

        HttpJson.Response r = http.post("/v2/models/lenet5/infer", body, "application/json");

        assertThat(r.status()).isEqualTo(200);
        int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode json = HttpJson.MAPPER.readTree(new String(r.bytes(), 0, jsonLength, StandardCharsets.UTF_8));
        int offset = jsonLength;
        double worst = 0;
        for (int i = 0; i <= layers.size(); i++) {
            JsonNode out = json.get("outputs").get(i);
            String name = i < layers.size() ? layers.get(i) : "fc3";
            JsonNode expected = reference.get("outputs").get(name);
            assertThat(out.get("name").asString()).isEqualTo(i < layers.size() ? name : "probabilities");
            List<Long> shape = new ArrayList<>();
            out.get("shape").forEach(d -> shape.add(d.asLong()));
            List<Long> expectedShape = new ArrayList<>();
            expected.get("shape").forEach(d -> expectedShape.add(d.asLong()));
            assertThat(shape).as(name).isEqualTo(expectedShape);
            float[] values = new float[expected.get("data").size()];
            if (out.has("parameters")) {
                int size = out.get("parameters").get("binary_data_size").asInt();
                assertThat(size).isEqualTo(values.length * 4);
                ByteBuffer.wrap(r.bytes(), offset, size).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                offset += size;
            } else {
                for (int k = 0; k < values.length; k++) {
                    values[k] = (float) out.get("data").get(k).asDouble();
                }
            }
            double scale = 0;
            for (JsonNode v : expected.get("data")) {
                scale = Math.max(scale, Math.abs(v.asDouble()));
            }
            for (int k = 0; k < values.length; k++) {
                double err = Math.abs(values[k] - expected.get("data").get(k).asDouble()) / Math.max(1, scale);
                worst = Math.max(worst, err);
                assertThat(err).as("%s[%d]", name, k).isLessThan(1e-4);
            }
        }
        assertThat(offset).isEqualTo(r.bytes().length);
        System.out.println("largest layer-output error vs PyTorch (relative to output scale): " + worst);
    }

    /** Found by EndpointFuzzTest: parameters of the wrong JSON type are the client's error (400), not a 500. */
    @Test
    void parametersOfTheWrongTypeAre400() {
        String input = "{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", \"data\": "
                + json(normalised(1)) + "}";
        for (String bad : List.of(
                "{\"inputs\": [" + input + "], \"outputs\": [{\"name\": \"probabilities\", \"parameters\": "
                        + "{\"binary_data\": \"yes\"}}]}",
                "{\"inputs\": [" + input + "], \"parameters\": {\"binary_data_output\": 1}}",
                "{\"inputs\": [" + input + "], \"outputs\": [{\"name\": \"probabilities\", \"parameters\": "
                        + "{\"classification\": 99999999999999999999}}]}",
                "{\"id\": {\"a\": 1}, \"inputs\": [" + input + "]}")) {
            HttpJson.Response r = http.post("/v2/models/lenet5/infer", bad, "application/json");
            assertThat(r.status()).as(bad.substring(0, 40)).isEqualTo(400);
            assertThat(r.json().get("error").asString()).isNotBlank();
        }
    }

    /** The default body limit is 16 MiB: a larger body is refused at once with the limit named. */
    @Test
    void bodiesOverTheDefaultLimitAre413() {
        byte[] body = new byte[16 * 1024 * 1024 + 1];
        java.util.Arrays.fill(body, (byte) ' ');
        HttpJson.Response r = http.postBytes("/v2/models/lenet5/infer", body, Map.of("Content-Type", "application/json"));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asString()).contains("16777216", "inference.limits.max-request-bytes");
    }

    /** JSON nested 100,000 deep (a parser stack bomb) is refused with 400 on the infer and summary routes. */
    @Test
    void deeplyNestedJsonIs400() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        for (String[] call : new String[][] {
                {"/v2/models/lenet5/infer", "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], "
                        + "\"datatype\": \"FP32\", \"data\": " + deep + "}]}"},
                {"/v2/summary", "{\"architecture\": {\"layers\": " + deep + "}, \"input_shape\": [1, 8, 8]}"}}) {
            HttpJson.Response r = http.post(call[0], call[1], "application/json");
            assertThat(r.status()).as(call[0]).isEqualTo(400);
            assertThat(r.json().get("error").asString()).as(call[0]).containsIgnoringCase("nesting depth");
        }
    }

    /**
     * Names from URLs never leave the repository: encoded separators and NUL are refused by Tomcat (as JSON too),
     * dot names by the name rule, and nothing is loaded.
     */
    @Test
    void pathTraversalInModelNamesIsRefusedAsJson() {
        HttpJson direct = new HttpJson(port); // raw paths, past the spec-validating proxy
        for (String path : List.of("/v2/repository/models/..%2F..%2Fetc/load", "/v2/repository/models/%2e%2e/load",
                "/v2/repository/models/a%00b/load", "/v2/repository/models/lenet5%5C..%5Cx/load",
                "/v2/repository/models/.hidden/load", "/v2/models/..%2Fvgg16/infer", "/predictions/..%2F..%2Flenet5")) {
            HttpJson.Response r = direct.post(path, "{}", "application/json");
            assertThat(r.status()).as(path).isBetween(400, 404);
            assertThat(r.contentType()).as(path).contains("json");
            assertThat(r.json().get("error").asString()).as(path).isNotBlank();
        }
        assertThat(registry.all()).extracting(LoadedModel::name).doesNotContain("..", ".hidden", "etc");
    }

    @Test
    void unknownOutputNamesListTheLayers() {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}], \"outputs\": [{\"name\": \"conv9\"}]}";

        HttpJson.Response r = http.post("/v2/models/lenet5/infer", body, "application/json");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asString()).contains("'conv9'", "'probabilities'",
                "[conv1, pool1, conv2, pool2, flatten, fc1, fc2, fc3]");
    }

    /** Six VGG-16 examples asking for both 64x224x224 feature maps: 38 M values, refused before computing. */
    @Test
    void layerOutputsBeyondTheResponseLimitAre413() {
        int values = 6 * 3 * 224 * 224;
        byte[] header = ("{\"inputs\": [{\"name\": \"input\", \"shape\": [6, 3, 224, 224], \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": " + values * 4 + "}}], "
                + "\"outputs\": [{\"name\": \"block1_conv1\"}, {\"name\": \"block1_conv2\"}]}").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[header.length + values * 4];
        System.arraycopy(header, 0, body, 0, header.length);
        long executionsBefore = http.get("/v2/models/vgg16/stats").json().get("model_stats").get(0)
                .get("execution_count").asLong();

        HttpJson.Response r = http.postBytes("/v2/models/vgg16/infer", body, Map.of(
                "Inference-Header-Content-Length", Integer.toString(header.length),
                "Content-Type", "application/octet-stream"));

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asString()).contains("38535168 values", "33554432",
                "inference.limits.max-response-values");
        assertThat(http.get("/v2/models/vgg16/stats").json().get("model_stats").get(0).get("execution_count").asLong())
                .isEqualTo(executionsBefore);
    }

    @Test
    void statisticsGiveLatencyQuantilesOfRecentRequests() {
        String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": " + json(normalised(1)) + "}]}";
        for (int i = 0; i < 5; i++) {
            assertThat(http.post("/v2/models/lenet5/infer", body, "application/json").status()).isEqualTo(200);
        }

        JsonNode stats = http.get("/v2/models/lenet5/versions/1/stats").json().get("model_stats").get(0);

        JsonNode latency = stats.get("latency");
        long successes = stats.get("inference_stats").get("success").get("count").asLong();
        assertThat(latency.get("window").asLong()).isEqualTo(Math.min(successes, 1024));
        long p50 = latency.get("p50_us").asLong();
        long p99 = latency.get("p99_us").asLong();
        assertThat(p50).isPositive().isLessThanOrEqualTo(latency.get("p90_us").asLong());
        assertThat(p99).isGreaterThanOrEqualTo(latency.get("p90_us").asLong())
                .isLessThanOrEqualTo(latency.get("max_us").asLong());
        // the mean of all successes lies between the smallest and largest latency of the window when it holds them all
        if (successes <= 1024) {
            long meanUs = stats.get("inference_stats").get("success").get("ns").asLong() / successes / 1000;
            assertThat(meanUs).isLessThanOrEqualTo(latency.get("max_us").asLong());
        }
    }

    @Test
    void repositoryIndexAndUnloadLoad() {
        JsonNode index = HttpJson.MAPPER.readTree(http.post("/v2/repository/index", "{}", "application/json").body());
        assertThat(index.toString()).contains("{\"name\":\"lenet5\",\"version\":\"1\",\"state\":\"READY\"}");

        assertThat(http.post("/v2/repository/models/lenet5/unload", "", "application/json").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/lenet5/ready").status()).isEqualTo(404);
        assertThat(http.post("/v2/repository/models/lenet5/load", "", "application/json").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/lenet5/ready").status()).isEqualTo(200);
        assertThat(http.post("/v2/repository/models/..%2Fetc/load", "", "application/json").status())
                .isIn(400, 404);
        assertThat(http.post("/v2/repository/models/nothere/load", "", "application/json").json().get("error")
                .asString()).startsWith("failed to load 'nothere'");
    }
}
