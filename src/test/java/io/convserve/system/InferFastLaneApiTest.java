package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A v2 infer request answers the same whichever lane serves it: sent with its length (small and whole, so the fast
 * lane takes it when the key is right) and sent chunked (which always goes through Spring Security and Spring MVC),
 * the status, the headers and the bytes of the answer are the same, for answers and for errors.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class InferFastLaneApiTest {

    @DynamicPropertySource
    static void configure(DynamicPropertyRegistry properties) {
        properties.add("inference.auth.inference-keys", () -> "read-k3y");
    }

    /** Headers that differ between any two answers, or with the framing of the request. */
    static final Set<String> VARYING = Set.of("date", "x-request-id", "content-length", "transfer-encoding");

    @LocalServerPort
    int port;

    final HttpClient client = HttpClient.newHttpClient();

    record Answer(int status, Map<String, List<String>> headers, byte[] body) {
    }

    Answer send(String path, byte[] body, boolean chunked, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, List<String>> kept = new TreeMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!VARYING.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                kept.put(name.toLowerCase(Locale.ROOT), values);
            }
        });
        return new Answer(response.statusCode(), kept, response.body());
    }

    static byte[] binaryRequest(int values, int announced) {
        byte[] header = ("{\"id\": \"r1\", \"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": "
                + "\"FP32\", \"parameters\": {\"binary_data_size\": " + announced * 4 + "}}], \"outputs\": [{\"name\": "
                + "\"probabilities\", \"parameters\": {\"binary_data\": true}}]}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + values * 4).order(ByteOrder.LITTLE_ENDIAN).put(header);
        for (int i = 0; i < values; i++) {
            body.putFloat((i % 28) / 28f);
        }
        return body.array();
    }

    static String jsonRequest(int values, String outputs) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < values; i++) {
            data.append(i == 0 ? "" : ",").append((i % 28) / 28f);
        }
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", \"data\": ["
                + data + "]}]" + outputs + "}";
    }

    @Test
    void everyAnswerIsTheSameWithTheBodysLengthAndChunked() throws Exception {
        String key = "read-k3y";
        byte[] binary = binaryRequest(784, 784);
        int headerLength = new String(binary, StandardCharsets.ISO_8859_1).indexOf("}]}") + 3;
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("binary", new Object[] {"/v2/models/lenet5/infer", binary,
                new String[] {"X-API-Key", key, "Inference-Header-Content-Length", Integer.toString(headerLength)}});
        cases.put("binary by version", new Object[] {"/v2/models/lenet5/versions/1/infer", binary,
                new String[] {"Authorization", "Bearer " + key, "Inference-Header-Content-Length",
                        Integer.toString(headerLength)}});
        cases.put("json", new Object[] {"/v2/models/lenet5/infer", jsonRequest(784, "").getBytes(),
                new String[] {"X-API-Key", key, "Content-Type", "application/json"}});
        cases.put("json, no content type", new Object[] {"/v2/models/lenet5/infer", jsonRequest(784, "").getBytes(),
                new String[] {"X-API-Key", key}});
        cases.put("classification and a layer", new Object[] {"/v2/models/lenet5/infer", jsonRequest(784,
                ", \"outputs\": [{\"name\": \"probabilities\", \"parameters\": {\"classification\": 3}}, {\"name\": "
                        + "\"pool2\"}]").getBytes(),
                new String[] {"X-API-Key", key, "Content-Type", "application/json"}});
        cases.put("too few values", new Object[] {"/v2/models/lenet5/infer", jsonRequest(3, "").getBytes(),
                new String[] {"X-API-Key", key, "Content-Type", "application/json"}});
        cases.put("binary cut short", new Object[] {"/v2/models/lenet5/infer", binaryRequest(700, 784),
                new String[] {"X-API-Key", key, "Inference-Header-Content-Length", Integer.toString(headerLength)}});
        cases.put("header length past the body", new Object[] {"/v2/models/lenet5/infer", binary,
                new String[] {"X-API-Key", key, "Inference-Header-Content-Length", "999999"}});
        cases.put("header length not a number", new Object[] {"/v2/models/lenet5/infer", binary,
                new String[] {"X-API-Key", key, "Inference-Header-Content-Length", "many"}});
        cases.put("not JSON", new Object[] {"/v2/models/lenet5/infer", "{\"inputs\": [".getBytes(),
                new String[] {"X-API-Key", key, "Content-Type", "application/json"}});
        cases.put("unknown model", new Object[] {"/v2/models/lenet6/infer", binary,
                new String[] {"X-API-Key", key, "Inference-Header-Content-Length", Integer.toString(headerLength)}});
        cases.put("unknown version", new Object[] {"/v2/models/lenet5/versions/9/infer", binary,
                new String[] {"X-API-Key", key, "Inference-Header-Content-Length", Integer.toString(headerLength)}});
        cases.put("no key", new Object[] {"/v2/models/lenet5/infer", binary,
                new String[] {"Inference-Header-Content-Length", Integer.toString(headerLength)}});
        cases.put("wrong key", new Object[] {"/v2/models/lenet5/infer", binary,
                new String[] {"X-API-Key", "guess", "Inference-Header-Content-Length", Integer.toString(headerLength)}});
        Map<String, Integer> statuses = new LinkedHashMap<>();
        for (Map.Entry<String, Object[]> c : cases.entrySet()) {
            String path = (String) c.getValue()[0];
            byte[] body = (byte[]) c.getValue()[1];
            String[] headers = (String[]) c.getValue()[2];
            Answer whole = send(path, body, false, headers);
            Answer chunked = send(path, body, true, headers);
            assertThat(whole.status()).as(c.getKey()).isEqualTo(chunked.status());
            assertThat(whole.headers()).as(c.getKey()).isEqualTo(chunked.headers());
            assertThat(new String(whole.body(), StandardCharsets.ISO_8859_1)).as(c.getKey())
                    .isEqualTo(new String(chunked.body(), StandardCharsets.ISO_8859_1));
            statuses.put(c.getKey(), whole.status());
        }
        assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("binary", 200), Map.entry("binary by version", 200), Map.entry("json", 200),
                Map.entry("json, no content type", 200), Map.entry("classification and a layer", 200),
                Map.entry("too few values", 400), Map.entry("binary cut short", 400),
                Map.entry("header length past the body", 400), Map.entry("header length not a number", 400),
                Map.entry("not JSON", 400), Map.entry("unknown model", 404), Map.entry("unknown version", 404),
                Map.entry("no key", 401), Map.entry("wrong key", 403)));
    }
}
