package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The per-model queue and dynamic batcher over HTTP, with settings overridden in configuration: concurrent
 * requests are merged into fewer forward passes and each gets its own rows; a full queue answers 503 with
 * Retry-After at once; a request past its timeout answers 504 and is not computed; every request gets one answer.
 */
@TestPropertySource(properties = {
        "inference.models.lenet5.max-queue-delay=300ms",
        "inference.models.alexnet.max-queue-size=2",
        "inference.models.alexnet.max-batch-size=1"})
class SchedulerApiTest extends ValidatedApiTest {

    @org.springframework.boot.test.web.server.LocalManagementPort
    int managementPort;

    @Autowired
    ModelRegistry registry;

    HttpJson.Response infer(String model, String shape, float[] values, String extra) {
        byte[] header = ("{\"inputs\": [{\"name\": \"input\", \"shape\": " + shape + ", \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": " + values.length * 4 + "}}], \"outputs\": [{\"name\": "
                + "\"probabilities\", \"parameters\": {\"binary_data\": true}}]" + extra + "}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        body.asFloatBuffer().put(values);
        return http.postBytes("/v2/models/" + model + "/infer", body.array(), Map.of(
                "Inference-Header-Content-Length", Integer.toString(header.length),
                "Content-Type", "application/octet-stream"));
    }

    static float[] floats(HttpJson.Response r) {
        int json = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        float[] out = new float[(r.bytes().length - json) / 4];
        ByteBuffer.wrap(r.bytes(), json, r.bytes().length - json).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    JsonNode stats(String model) {
        return http.get("/v2/models/" + model + "/versions/1/stats").json().get("model_stats").get(0);
    }

    @Test
    void concurrentRequestsAreMergedAndEachGetsItsOwnRows() throws Exception {
        LoadedModel lenet = registry.find("lenet5", null).orElseThrow();
        JsonNode before = stats("lenet5");
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<HttpJson.Response>> answers = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            float[] x = random((c % 2 + 1) * 784, c);
            inputs.add(x);
            String shape = "[" + (c % 2 + 1) + ", 1, 28, 28]";
            answers.add(pool.submit(() -> infer("lenet5", shape, x, "")));
        }
        for (int c = 0; c < clients; c++) {
            HttpJson.Response r = answers.get(c).get();
            assertThat(r.status()).isEqualTo(200);
            float[] expected = lenet.network().forward(Nd4j.create(inputs.get(c), new long[] {c % 2 + 1, 1, 28, 28}, 'c'))
                    .dup('c').data().asFloat();
            float[] served = floats(r);
            assertThat(served).hasSize(expected.length);
            for (int i = 0; i < expected.length; i++) {
                assertThat(Math.abs(served[i] - expected[i])).as("client %d value %d", c, i).isLessThan(1e-6f);
            }
        }
        pool.shutdown();
        JsonNode after = stats("lenet5");
        long executions = after.get("execution_count").asLong() - before.get("execution_count").asLong();
        long inferences = after.get("inference_count").asLong() - before.get("inference_count").asLong();
        assertThat(inferences).isEqualTo(12);
        assertThat(executions).as("8 requests within the 300 ms queue delay").isLessThan(clients);
        assertThat(after.get("inference_stats").get("queue").get("ns").asLong())
                .isGreaterThan(before.get("inference_stats").get("queue").get("ns").asLong());
        JsonNode config = http.get("/v2/models/lenet5/config").json();
        assertThat(config.get("dynamic_batching").get("max_queue_delay_microseconds").asLong()).isEqualTo(300_000);
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndEveryRequestIsAnswered() throws Exception {
        int clients = 12;
        float[] x = random(3 * 227 * 227, 7);
        LoadedModel alexnet = registry.find("alexnet", null).orElseThrow();
        float[] expected = alexnet.network().forward(Nd4j.create(x, new long[] {1, 3, 227, 227}, 'c'))
                .dup('c').data().asFloat();
        JsonNode before = stats("alexnet");
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Callable<HttpJson.Response>> calls = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            calls.add(() -> infer("alexnet", "[1, 3, 227, 227]", x, ""));
        }
        int ok = 0;
        int refused = 0;
        for (Future<HttpJson.Response> f : pool.invokeAll(calls)) {
            HttpJson.Response r = f.get();
            assertThat(r.status()).isIn(200, 503);
            if (r.status() == 200) {
                ok++;
                float[] served = floats(r);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(Math.abs(served[i] - expected[i])).isLessThan(1e-5f);
                }
            } else {
                refused++;
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(r.json().get("error").asString()).contains("queue is full", "max_queue_size 2");
            }
        }
        pool.shutdown();
        assertThat(ok + refused).isEqualTo(clients);
        assertThat(refused).as("12 concurrent AlexNet requests against a queue of 2").isPositive();
        assertThat(ok).isGreaterThanOrEqualTo(3);
        JsonNode after = stats("alexnet");
        assertThat(after.get("inference_stats").get("fail").get("count").asLong()
                - before.get("inference_stats").get("fail").get("count").asLong()).isEqualTo(refused);
        assertThat(after.get("execution_count").asLong() - before.get("execution_count").asLong()).isEqualTo(ok);
        String metrics = new HttpJson(managementPort).get("/actuator/prometheus").body(); // actuator: not in the API spec
        assertThat(metrics).containsPattern("nv_inference_request_failure\\{[^}]*model=\"alexnet\"[^}]*reason=\"REJECTED\""
                + "[^}]*} [1-9]");
    }

    @Test
    void aRequestPastItsTimeoutAnswers504AndIsNotComputed() {
        JsonNode before = stats("lenet5");

        HttpJson.Response r = infer("lenet5", "[1, 1, 28, 28]", random(784, 1), ", \"parameters\": {\"timeout\": 1}");

        assertThat(r.status()).isEqualTo(504);
        assertThat(r.json().get("error").asString()).contains("past its timeout of 1 µs", "not computed");
        assertThat(stats("lenet5").get("execution_count").asLong()).isEqualTo(before.get("execution_count").asLong());
        HttpJson.Response bad = infer("lenet5", "[1, 1, 28, 28]", random(784, 1), ", \"parameters\": {\"timeout\": -5}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asString()).contains("parameters.timeout", "-5");
    }
}
