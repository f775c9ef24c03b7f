package io.convserve.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.ConvserveApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Property-based fuzzing (jqwik) of the v2 infer and summary endpoints over real HTTP: well-formed requests with
 * hostile values, broken JSON, random binary framing. Whatever arrives, the answer comes (no hang), is never a 5xx,
 * and every 4xx is JSON with a non-empty {@code error}. Bounded by the number of tries.
 */
@net.jqwik.api.Tag("slow") // thousands of generated requests: the full run only (tools/ci/test.sh)
class EndpointFuzzTest {

    static ConfigurableApplicationContext service;
    static String base;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final JsonMapper MAPPER = JsonMapper.builder().build();
    static final Map<String, java.util.concurrent.atomic.AtomicInteger> STATUSES =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    static final Map<String, String> SAMPLE_ERRORS = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeContainer
    static void start() {
        service = new SpringApplicationBuilder(ConvserveApplication.class)
                .properties("server.port=0", "logging.level.io.convserve=WARN").run();
        int port = ((WebServerApplicationContext) service).getWebServer().getPort();
        base = "http://localhost:" + port;
    }

    @AfterContainer
    static void stop() {
        System.out.println("fuzzed requests by endpoint and status: " + STATUSES);
        System.out.println("kinds of 4xx answers: " + SAMPLE_ERRORS.size());
        SAMPLE_ERRORS.values().stream().limit(40).forEach(e -> System.out.println("  " + e));
        service.close();
    }

    static void assertAnswered(String what, HttpResponse<byte[]> r, byte[] sent) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        String request = new String(sent, 0, Math.min(sent.length, 400), StandardCharsets.UTF_8);
        STATUSES.computeIfAbsent(what + " " + r.statusCode(), k -> new java.util.concurrent.atomic.AtomicInteger())
                .incrementAndGet();
        // a request that set itself a timeout may be answered 504 (not computed); nothing else may be a 5xx
        boolean askedForTimeout = new String(sent, StandardCharsets.UTF_8).contains("\"timeout\"");
        if (!(askedForTimeout && r.statusCode() == 504)) {
            assertThat(r.statusCode()).as("%s: %s -> %s", what, request, body).isLessThan(500);
        }
        if (r.statusCode() >= 400) {
            assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("json");
            JsonNode json = MAPPER.readTree(body);
            String error = json.path("error").asString("");
            String kind = what + ": " + error.replaceAll("[0-9.eE+-]+", "#");
            SAMPLE_ERRORS.putIfAbsent(kind.substring(0, Math.min(60, kind.length())), error);
            assertThat(json.path("error").asString("")).as("%s: error field of %s", what, body).isNotBlank();
        }
    }

    static HttpResponse<byte[]> post(String path, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    // ------------------------------------------------------------------ values

    /** JSON values, hostile ones included: huge and negative numbers, NaN spelled out, deep nesting, strings. */
    @Provide
    Arbitrary<String> jsonValue() {
        return Arbitraries.recursive(() -> Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("0", "-1", "1e309", "-1e309", "NaN", "Infinity", "null", "true", "\"\"",
                        "99999999999999999999999", "1.5", "[]", "{}", "\"FP32\"", "\"../../etc/passwd\""),
                Arbitraries.strings().ofMaxLength(12).map(s -> MAPPER.writeValueAsString(s))),
                v -> Arbitraries.oneOf(
                        v.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]"),
                        Combinators.combine(Arbitraries.of("name", "shape", "datatype", "data", "parameters", "x"), v)
                                .as((k, x) -> "{\"" + k + "\":" + x + "}")),
                4);
    }

    @Provide
    Arbitrary<String> shape() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.of("[1, 1, 28, 28]", "[2, 1, 28, 28]", "[3, 1, 28, 28]")),
                net.jqwik.api.Tuple.of(3, Arbitraries.of("[1, 1, 28, 28]", "[2, 1, 28, 28]", "[1, 28, 28]", "[]", "[0, 1, 28, 28]",
                        "[-1, 1, 28, 28]", "[64, 1, 28, 28]", "[65, 1, 28, 28]", "[1, 1, 28, 28, 1]",
                        "[9223372036854775807, 1, 28, 28]", "[1, 3, 227, 227]", "[\"1\", 1, 28, 28]")),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(-3, 100).list().ofMinSize(0).ofMaxSize(6)
                        .map(Object::toString)),
                net.jqwik.api.Tuple.of(1, jsonValue()));
    }

    @Provide
    Arbitrary<String> datatype() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.of("FP32", "FP64", "FP16", "INT8", "UINT8", "INT64")),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("BYTES", "BOOL", "BF16", "fp32", "", "FP33")),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(6)));
    }

    @Provide
    Arbitrary<String> validDatatype() {
        return Arbitraries.of("FP32", "FP64", "FP16", "INT8", "UINT8", "INT16", "INT32", "INT64", "UINT16", "UINT32",
                "UINT64");
    }

    @Provide
    Arbitrary<String> data() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.floats().between(-1e4f, 1e4f).list().ofSize(784)
                        .map(Object::toString)),
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0, 255).list().ofSize(784)
                        .map(Object::toString)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 255).list().ofSize(1568)
                        .map(Object::toString)),
                net.jqwik.api.Tuple.of(1, Arbitraries.floats().list().ofMaxSize(900).map(Object::toString)),
                net.jqwik.api.Tuple.of(1, jsonValue()));
    }

    @Provide
    Arbitrary<String> parameters() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just("{}")),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("{\"binary_data_output\":true}", "{\"timeout\":100000}",
                        "{\"timeout\":1}", "{\"timeout\":-1}", "{\"timeout\":\"x\"}", "{\"priority\":1}")),
                net.jqwik.api.Tuple.of(1, jsonValue()));
    }

    @Provide
    Arbitrary<String> outputs() {
        Arbitrary<String> named = Arbitraries.of("probabilities", "conv1", "fc3", "pool2", "flatten", "nope", "")
                .list().ofMaxSize(3).flatMap(names -> outputParameters().map(p -> {
                    List<String> out = new ArrayList<>();
                    for (String n : names) {
                        out.add("{\"name\":\"" + n + "\",\"parameters\":" + p + "}");
                    }
                    return ",\"outputs\":[" + String.join(",", out) + "]";
                }));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just("")),
                net.jqwik.api.Tuple.of(4, named),
                net.jqwik.api.Tuple.of(1, jsonValue().map(v -> ",\"outputs\":" + v)));
    }

    @Provide
    Arbitrary<String> outputParameters() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of("{}", "{\"binary_data\":true}", "{\"classification\":3}",
                        "{\"classification\":1,\"binary_data\":true}", "{\"classification\":0}",
                        "{\"classification\":100000}", "{\"classification\":-2}", "{\"binary_data\":\"yes\"}")),
                net.jqwik.api.Tuple.of(1, jsonValue()));
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 400)
    void inferAnswersEveryJsonRequestWithoutA5xx(@ForAll("shape") String shape, @ForAll("datatype") String datatype,
                                                 @ForAll("data") String data, @ForAll("outputs") String outputs,
                                                 @ForAll("parameters") String parameters,
                                                 @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 3) int n,
                                                 @ForAll("validDatatype") String validDatatype,
                                                 @ForAll long seed, @ForAll boolean coherent) throws Exception {
        if (coherent) {
            // a well-formed input (values fit every datatype), so that outputs and parameters reach the engine
            shape = "[" + n + ", 1, 28, 28]";
            datatype = validDatatype;
            java.util.Random random = new java.util.Random(seed);
            StringBuilder values = new StringBuilder("[");
            for (int i = 0; i < n * 784; i++) {
                values.append(i > 0 ? "," : "").append(random.nextInt(128));
            }
            data = values.append(']').toString();
        }
        String json = "{\"id\":\"f\",\"parameters\":" + parameters + ",\"inputs\":[{\"name\":\"input\",\"shape\":"
                + shape + ",\"datatype\":\"" + datatype.replace("\"", "") + "\",\"data\":" + data + "}]" + outputs
                + "}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        assertAnswered("infer", post("/v2/models/lenet5/infer", body, Map.of("Content-Type", "application/json")),
                body);
    }

    /** A valid request, then cut short, with bytes overwritten, or with a random value spliced in. */
    @Property(tries = 200)
    void inferAnswersMangledBodies(@ForAll("jsonValue") String value, @ForAll int cut, @ForAll byte[] noise,
                                   @ForAll boolean labelledJson) throws Exception {
        String valid = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"UINT8\",\"data\":"
                + java.util.Collections.nCopies(784, "7") + "}]}";
        byte[] bytes = (valid.substring(0, 60) + value + valid.substring(60)).getBytes(StandardCharsets.UTF_8);
        int at = Math.floorMod(cut, bytes.length);
        byte[] body;
        if (noise.length == 0) {
            body = java.util.Arrays.copyOf(bytes, at);
        } else {
            body = bytes.clone();
            for (int i = 0; i < noise.length && at + i < body.length; i++) {
                body[at + i] = noise[i];
            }
        }
        Map<String, String> headers = labelledJson ? Map.of("Content-Type", "application/json") : Map.of();
        assertAnswered("mangled infer", post("/v2/models/lenet5/infer", body, headers), body);
    }

    @Property(tries = 200)
    void inferAnswersRandomBinaryFraming(@ForAll("shape") String shape, @ForAll("datatype") String datatype,
                                         @ForAll int declaredSize, @ForAll int headerLength,
                                         @ForAll byte[] payload) throws Exception {
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\""
                + datatype.replace("\"", "") + "\",\"parameters\":{\"binary_data_size\":" + declaredSize + "}}]}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header).put(payload);
        int length = Math.floorMod(headerLength, 3) == 0 ? header.length : headerLength;
        assertAnswered("binary infer", post("/v2/models/lenet5/infer", body.array(), Map.of(
                "Content-Type", "application/octet-stream",
                "Inference-Header-Content-Length", Integer.toString(length))), body.array());
    }

    /** Layers with plausible settings, so that most architectures get past parsing into the shape arithmetic. */
    @Provide
    Arbitrary<String> plausibleLayer() {
        Arbitrary<Integer> small = Arbitraries.integers().between(1, 4);
        Arbitrary<String> padding = Arbitraries.oneOf(Arbitraries.integers().between(0, 3).map(String::valueOf),
                Arbitraries.of("\"same\"", "\"valid\"", "[1, 0, 2, 1]"));
        Arbitrary<String> activation = Arbitraries.of("\"relu\"", "\"none\"", "\"softmax\"", "\"tanh\"",
                "\"leaky_relu\"");
        Arbitrary<String> conv = Combinators.combine(Arbitraries.integers().between(1, 16), Arbitraries.integers()
                .between(1, 7), small, padding, Arbitraries.integers().between(1, 2), activation)
                .as((f, k, st, p, d, a) -> "{\"type\":\"conv2d\",\"filters\":" + f + ",\"kernel\":" + k
                        + ",\"stride\":" + st + ",\"padding\":" + p + ",\"dilation\":" + d + ",\"activation\":" + a
                        + "}");
        Arbitrary<String> pool = Combinators.combine(Arbitraries.of("max_pool2d", "avg_pool2d"), small, small,
                Arbitraries.integers().between(0, 1), Arbitraries.of(true, false))
                .as((t, k, st, p, c) -> "{\"type\":\"" + t + "\",\"pool\":" + k + ",\"stride\":" + st
                        + ",\"padding\":" + p + ",\"ceil_mode\":" + c + "}");
        Arbitrary<String> dense = Combinators.combine(Arbitraries.integers().between(1, 32), activation)
                .as((u, a) -> "{\"type\":\"dense\",\"units\":" + u + ",\"activation\":" + a + "}");
        Arbitrary<String> other = Arbitraries.of("{\"type\":\"flatten\"}", "{\"type\":\"batch_norm\"}",
                "{\"type\":\"local_response_norm\",\"size\":5}", "{\"type\":\"global_avg_pool2d\"}",
                "{\"type\":\"dropout\",\"rate\":0.5}", "{\"type\":\"relu\"}",
                "{\"type\":\"adaptive_avg_pool2d\",\"output_size\":[2, 2]}",
                "{\"type\":\"zero_pad2d\",\"padding\":1}", "{\"type\":\"depthwise_conv2d\",\"kernel\":3}");
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, conv), net.jqwik.api.Tuple.of(3, pool),
                net.jqwik.api.Tuple.of(2, dense), net.jqwik.api.Tuple.of(3, other),
                net.jqwik.api.Tuple.of(2, layer()));
    }

    @Provide
    Arbitrary<String> layer() {
        Arbitrary<String> type = Arbitraries.of("conv2d", "depthwise_conv2d", "max_pool2d", "avg_pool2d",
                "adaptive_avg_pool2d", "global_avg_pool2d", "global_max_pool2d", "batch_norm", "local_response_norm",
                "flatten", "dense", "dropout", "relu", "softmax", "zero_pad2d", "leaky_relu", "lstm", "");
        Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.integers().between(-2, 12).map(String::valueOf),
                Arbitraries.of("0.5", "100000", "2147483648", "[3, 2]", "[0, 0, 1, 1]", "\"same\"", "\"valid\"",
                        "-5", "[1]", "null", "[2147483647, 2147483647]"), jsonValue());
        Arbitrary<String> key = Arbitraries.of("filters", "kernel", "stride", "padding", "dilation", "groups",
                "pool", "units", "rate", "output_size", "size", "alpha", "epsilon", "activation", "ceil_mode",
                "bias", "depth_multiplier", "nope");
        Arbitrary<String> field = Combinators.combine(key, number).as((k, v) -> "\"" + k + "\":" + v);
        return Combinators.combine(type, field.list().ofMaxSize(5))
                .as((t, fields) -> "{\"type\":\"" + t + "\"" + (fields.isEmpty() ? "" : "," + String.join(",", fields))
                        + "}");
    }

    @Property(tries = 500)
    void summaryAnswersEveryArchitectureWithoutA5xx(@ForAll("layerList") String layers,
                                                    @ForAll("imageShape") String shape,
                                                    @ForAll("batch") String batch) throws Exception {
        String json = "{\"architecture\":{\"input\":{\"shape\":" + shape + "},\"layers\":" + layers + "},"
                + "\"input_shape\":" + shape + ",\"batch_size\":" + batch + "}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        assertAnswered("summary", post("/v2/summary", body, Map.of("Content-Type", "application/json")), body);
    }

    @Provide
    Arbitrary<String> imageShape() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Combinators.combine(Arbitraries.integers().between(1, 4),
                        Arbitraries.integers().between(1, 64), Arbitraries.integers().between(1, 64))
                        .as((c, h, w) -> "[" + c + ", " + h + ", " + w + "]")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("[3, 100000, 100000]", "[0, 8, 8]", "[3, -1, 8]", "[16]",
                        "[2147483647, 2147483647, 2147483647]", "[1, 2, 3, 4]")),
                net.jqwik.api.Tuple.of(1, shape()));
    }

    @Provide
    Arbitrary<String> batch() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 64).map(String::valueOf)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("0", "-1", "1048577", "9223372036854775807", "1.5", "\"2\"")),
                net.jqwik.api.Tuple.of(1, jsonValue()));
    }

    @Provide
    Arbitrary<String> layerList() {
        return plausibleLayer().list().ofMinSize(0).ofMaxSize(7).map(l -> "[" + String.join(",", l) + "]");
    }
}
