package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Request limits, with small limits so that the bodies stay small: a body that grows past
 * {@code inference.limits.max-request-bytes} while it is read (chunked, or gzip without Content-Length) is a 413 naming the
 * limit on every route that reads a body; malformed multipart bodies are 400 and oversized ones 413 naming the
 * multipart limits. Every answer is the usual JSON error.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "inference.limits.max-request-bytes=200000",
        "spring.servlet.multipart.max-file-size=100KB",
        "spring.servlet.multipart.max-request-size=100KB"})
class RequestLimitsApiTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final int LIMIT = 200_000;

    @LocalServerPort
    int port;

    @Autowired
    ErrorJsonController errors;

    final HttpClient client = HttpClient.newHttpClient();

    record Answer(int status, JsonNode json) {
        String error() {
            assertThat(json.get("status").asInt()).isEqualTo(status);
            assertThat(json.get("type").asString()).isNotBlank();
            assertThat(json.get("title").asString()).isNotBlank();
            return json.get("error").asString();
        }
    }

    Answer post(String path, HttpRequest.BodyPublisher body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).POST(body);
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    /** A body without Content-Length: the HTTP client sends it chunked. */
    static HttpRequest.BodyPublisher chunked(byte[] body) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
    }

    static byte[] gzip(byte[] body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        }
        return out.toByteArray();
    }

    static byte[] pngPrefixed(int length) {
        byte[] body = new byte[length];
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        System.arraycopy(signature, 0, body, 0, signature.length);
        return body;
    }

    @Test
    void imageBodyGrowingPastTheLimitReturns413() throws Exception {
        byte[] image = pngPrefixed(LIMIT * 3 / 2);
        for (String path : List.of("/predictions/lenet5", "/predictions/lenet5/1", "/v2/models/lenet5/preprocess")) {
            for (String type : List.of("image/png", "application/octet-stream")) {
                Answer chunked = post(path, chunked(image), "Content-Type", type);
                assertThat(chunked.status()).as(path + " chunked " + type).isEqualTo(413);
                assertThat(chunked.error()).as(path).contains("exceeds the limit of 200000 bytes",
                        "inference.limits.max-request-bytes");
            }
            Answer gzip = post(path, HttpRequest.BodyPublishers.ofByteArray(gzip(image)), "Content-Type", "image/png",
                    "Content-Encoding", "gzip");
            assertThat(gzip.status()).as(path + " gzip").isEqualTo(413);
            assertThat(gzip.error()).as(path).contains("200000 bytes (after decompression)",
                    "inference.limits.max-request-bytes");
        }
    }

    /**
     * lenet5's infer route takes its largest batch in binary form, 64 x 784 FP32 values and 65,536 bytes of header
     * (266,240 bytes), above the global limit of this test; every other route keeps the global limit.
     */
    @Test
    void jsonBodiesGrowingPastTheLimitReturn413OnEveryRoute() throws Exception {
        Map<String, Integer> limits = new java.util.LinkedHashMap<>();
        limits.put("/v2/models/lenet5/infer", 65_536 + 64 * 784 * 4);
        for (String path : List.of("/v1/models/lenet5:predict", "/v2/summary", "/v2/repository/models/lenet5/load",
                "/v2/repository/index")) {
            limits.put(path, LIMIT);
        }
        for (Map.Entry<String, Integer> route : limits.entrySet()) {
            String path = route.getKey();
            byte[] spaces = new byte[route.getValue() + 1];
            java.util.Arrays.fill(spaces, (byte) ' ');
            String rule = route.getValue() == LIMIT ? "inference.limits.max-request-bytes"
                    : "model 'lenet5' takes 64 examples of 784 FP32 values in binary form";
            Answer chunked = post(path, chunked(spaces), "Content-Type", "application/json");
            assertThat(chunked.status()).as(path + " chunked").isEqualTo(413);
            assertThat(chunked.error()).as(path).contains(route.getValue() + " bytes", rule);
            Answer gzip = post(path, HttpRequest.BodyPublishers.ofByteArray(gzip(spaces)), "Content-Type",
                    "application/json", "Content-Encoding", "gzip");
            assertThat(gzip.status()).as(path + " gzip").isEqualTo(413);
            assertThat(gzip.error()).as(path).contains(route.getValue() + " bytes (after decompression)", rule);
        }
    }

    /**
     * alexnet's infer route takes its largest batch in binary form (64 x 3x227x227 FP32 + a 65,536-byte header,
     * 39,638,272 bytes) whatever the global limit: a batch of 2 (1.2 MB, six times this test's global limit) is
     * served; a body declaring one byte more than the model's limit is refused before it is read, naming the rule.
     */
    @Test
    void aModelsInferRouteTakesItsLargestBatchInBinaryAboveTheGlobalLimit() throws Exception {
        int example = 3 * 227 * 227;
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[2,3,227,227],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + 2 * example * 4 + "}}]}").getBytes(StandardCharsets.UTF_8);
        byte[] body = java.util.Arrays.copyOf(header, header.length + 2 * example * 4);
        HttpResponse<String> served = client.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v2/models/alexnet/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(body.length).isGreaterThan(6 * LIMIT);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(JSON.readTree(served.body()).get("outputs").get(0).get("shape").toString()).isEqualTo("[2,1000]");

        long modelLimit = 65_536L + 64L * example * 4;
        try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
            socket.getOutputStream().write(("POST /v2/models/alexnet/infer HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\nContent-Type: application/octet-stream\r\nInference-Header-Content-Length: 10\r\n"
                    + "Content-Length: " + (modelLimit + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10_000);
            // the server answers without reading the body; a client that gives up sending sees the connection close
            socket.shutdownOutput();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("request body is " + (modelLimit + 1)
                    + " bytes; the limit is " + modelLimit + " bytes (model 'alexnet' takes 64 examples of 154587 "
                    + "FP32 values in binary form plus 65536 bytes of header; inference.limits.max-request-bytes for "
                    + "other routes)");
        }
    }

    static String zeros(int n) {
        return "[" + "0,".repeat(n - 1) + "0]";
    }

    /** lenet5 takes 64 x 784 = 50176 values a request (+ 4096 for the rest): 60000 are refused while counting. */
    @Test
    void inferWhenDataHoldsMoreValuesThanTheModelTakesReturns413() throws Exception {
        Map<String, String> bodies = Map.of(
                "infer data", "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": "
                        + "\"FP32\", \"data\": " + zeros(60_000) + "}]}",
                "infer junk field", "{\"junk\": " + zeros(60_000) + ", \"inputs\": []}",
                "predict instances", "{\"instances\": [" + zeros(60_000) + "]}");
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            String path = e.getKey().startsWith("predict") ? "/v1/models/lenet5:predict" : "/v2/models/lenet5/infer";
            Answer r = post(path, HttpRequest.BodyPublishers.ofString(e.getValue()), "Content-Type",
                    "application/json");
            assertThat(r.status()).as(e.getKey()).isEqualTo(413);
            assertThat(r.error()).as(e.getKey()).startsWith("request body holds more than 54272 JSON values")
                    .contains("the limit is 54272", "64 x 784 = 50176", "inference.limits.max-request-values");
        }
        Answer fits = post("/v1/models/lenet5:predict", HttpRequest.BodyPublishers.ofString(
                "{\"instances\": [" + zeros(784) + ", " + zeros(784) + "]}"), "Content-Type", "application/json");
        assertThat(fits.status()).isEqualTo(200);
        assertThat(fits.json().get("predictions").size()).isEqualTo(2);
    }

    /** At most 10,000 layers (inference.limits.max-summary-layers); the count is checked before any layer is built. */
    @Test
    void summaryWhenMoreLayersThanTheLimitReturns413() throws Exception {
        String relu = "{\"type\": \"relu\"}";
        String tooMany = "{\"architecture\": {\"layers\": [" + String.join(", ", java.util.Collections.nCopies(
                10_001, relu)) + "]}, \"input_shape\": [1, 4, 4]}";
        Answer r = post("/v2/summary", HttpRequest.BodyPublishers.ofString(tooMany), "Content-Type",
                "application/json");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.error()).isEqualTo("architecture has 10001 layers; the limit is 10000 "
                + "(inference.limits.max-summary-layers)");
        String fits = "{\"architecture\": {\"layers\": [" + String.join(", ", java.util.Collections.nCopies(
                100, relu)) + "]}, \"input_shape\": [1, 4, 4]}";
        assertThat(post("/v2/summary", HttpRequest.BodyPublishers.ofString(fits), "Content-Type", "application/json")
                .status()).isEqualTo(200);
    }

    static byte[] multipart(String boundary, byte[] file) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"data\"; filename=\"d.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    @Test
    void malformedMultipartBodiesReturn400() throws Exception {
        byte[] whole = multipart("xyz", pngPrefixed(1000));
        Map<String, Answer> answers = Map.of(
                "no boundary", post("/predictions/lenet5", HttpRequest.BodyPublishers.ofByteArray(whole),
                        "Content-Type", "multipart/form-data"),
                "truncated", post("/predictions/lenet5", HttpRequest.BodyPublishers.ofByteArray(
                        java.util.Arrays.copyOf(whole, whole.length - 30)), "Content-Type",
                        "multipart/form-data; boundary=xyz"),
                "no boundary, preprocess", post("/v2/models/lenet5/preprocess",
                        HttpRequest.BodyPublishers.ofByteArray(whole), "Content-Type", "multipart/form-data"));
        answers.forEach((what, answer) -> {
            assertThat(answer.status()).as(what).isEqualTo(400);
            assertThat(answer.error()).as(what).startsWith("multipart request body is malformed: ")
                    .contains("expected multipart/form-data with a boundary parameter");
        });
        assertThat(answers.get("no boundary").error()).containsIgnoringCase("boundary");
        Answer otherBoundary = post("/predictions/lenet5", HttpRequest.BodyPublishers.ofByteArray(whole),
                "Content-Type", "multipart/form-data; boundary=abc");
        assertThat(otherBoundary.status()).isEqualTo(400);
        assertThat(otherBoundary.error()).startsWith("multipart request has no file field 'data'");
    }

    @Test
    void multipartBodiesOverTheLimitReturn413NamingTheLimit() throws Exception {
        byte[] body = multipart("xyz", pngPrefixed(150_000));
        for (HttpRequest.BodyPublisher publisher : List.of(HttpRequest.BodyPublishers.ofByteArray(body),
                chunked(body))) {
            Answer r = post("/predictions/lenet5", publisher, "Content-Type", "multipart/form-data; boundary=xyz");
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.error()).startsWith("multipart request body is too large").contains(
                    "102400 bytes per request (spring.servlet.multipart.max-request-size)",
                    "102400 bytes per file (spring.servlet.multipart.max-file-size)");
        }
    }

    @Test
    void containerRefusalsOfLargeBodiesNameTheLimits() {
        assertThat(errors.tooLargeDetail()).contains("200000 bytes (inference.limits.max-request-bytes)",
                "102400 bytes per request (spring.servlet.multipart.max-request-size)",
                "2097152 bytes (server.tomcat.max-http-form-post-size)");
    }
}
