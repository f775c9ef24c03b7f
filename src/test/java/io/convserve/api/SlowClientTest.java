package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A slowloris against the service: 600 connections that each declare a 100 KB JSON body and send one byte of it
 * every two seconds, reopened as soon as the server closes one, for 40 s. Meanwhile the liveness routes (the v2 one on
 * the main port, the actuator's on the management port) and a lenet5 binary inference are probed twice a second:
 * each must answer 200 within 2 s, since bodies are read without holding a thread. Then the slow connections stop sending, and the server must close every one of them (408 past
 * {@code inference.limits.body-read-timeout} plus the body at {@code min-body-rate}: 10 s + 1.5 s here).
 */
@Tag("load")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SlowClientTest {

    static final int CONNECTIONS = 600;
    static final int DECLARED = 100_000;

    @LocalServerPort
    int port;

    @org.springframework.boot.test.web.server.LocalManagementPort
    int managementPort;

    final class Slow {
        final SocketChannel channel;
        final long opened = System.nanoTime();
        final StringBuilder answer = new StringBuilder();

        Slow() throws Exception {
            channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            channel.write(ByteBuffer.wrap(("POST /v2/models/lenet5/infer HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + DECLARED + "\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII)));
            channel.configureBlocking(false);
        }

        /** False once the server has closed the connection (what it answered first is kept). */
        boolean open() {
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            try {
                int n;
                while ((n = channel.read(buffer)) > 0) {
                    answer.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
                    buffer.clear();
                }
                return n >= 0;
            } catch (java.io.IOException e) {
                return false;
            }
        }

        void trickle() {
            try {
                channel.write(ByteBuffer.wrap(new byte[] {' '}));
            } catch (java.io.IOException e) {
                // closed meanwhile: open() says so
            }
        }
    }

    @Test
    void slowBodiesNeitherStarveProbesNorStayOpen() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest live = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/health/live"))
                .timeout(Duration.ofSeconds(2)).build();
        // the management port: its own connector and threads, where Kubernetes' probes go
        HttpRequest managementLive = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
                + "/actuator/health/liveness")).timeout(Duration.ofSeconds(2)).build();
        HttpRequest infer = lenetBinaryInfer();
        assertThat(client.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        List<Slow> slow = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            slow.add(new Slow());
        }
        int opened = CONNECTIONS;
        int closedByServer = 0;
        int answered408 = 0;
        List<Long> probeMillis = new ArrayList<>();
        List<String> probeFailures = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        long nextTrickle = 0;
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= nextTrickle) {
                for (Slow s : slow) {
                    s.trickle();
                }
                nextTrickle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            }
            for (int i = 0; i < slow.size(); i++) {
                Slow s = slow.get(i);
                if (!s.open()) {
                    closedByServer++;
                    answered408 += s.answer.toString().startsWith("HTTP/1.1 408") ? 1 : 0;
                    s.channel.close();
                    slow.set(i, new Slow());
                    opened++;
                }
            }
            for (HttpRequest probe : List.of(live, managementLive, infer)) {
                long start = System.nanoTime();
                try {
                    int status = client.send(probe, HttpResponse.BodyHandlers.ofString()).statusCode();
                    if (status != 200) {
                        probeFailures.add(probe.uri().getPath() + " answered " + status);
                    }
                } catch (java.io.IOException e) {
                    probeFailures.add(probe.uri().getPath() + ": " + e);
                }
                probeMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
            Thread.sleep(500);
        }

        // the slow connections stop sending; the server must close each within its deadline (11.5 s) and a margin
        long stopped = System.nanoTime();
        List<Slow> remaining = new ArrayList<>(slow);
        while (!remaining.isEmpty() && System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(30)) {
            for (Iterator<Slow> it = remaining.iterator(); it.hasNext(); ) {
                Slow s = it.next();
                if (!s.open()) {
                    closedByServer++;
                    answered408 += s.answer.toString().startsWith("HTTP/1.1 408") ? 1 : 0;
                    s.channel.close();
                    it.remove();
                }
            }
            Thread.sleep(100);
        }
        long closingMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
        for (Slow s : remaining) {
            s.channel.close();
        }
        long maxProbe = probeMillis.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf(Locale.ROOT, "slow clients: %d connections trickling 1 byte / 2 s for 40 s (%d opened in "
                        + "all); %d probes, max %d ms, %d failed; closed by the server: %d (%d with 408); the last "
                        + "closed %d ms after they stopped sending, %d still open%n", CONNECTIONS, opened,
                probeMillis.size(), maxProbe, probeFailures.size(), closedByServer, answered408, closingMillis,
                remaining.size());

        assertThat(probeFailures).as("probes that failed").isEmpty();
        assertThat(maxProbe).as("slowest probe (ms)").isLessThan(2000);
        assertThat(remaining).as("slow connections the server left open 30 s after they stopped sending").isEmpty();
        assertThat(answered408).as("slow bodies answered 408").isPositive();
        assertThat(closedByServer).isEqualTo(opened);
        assertThat(client.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    HttpRequest lenetBinaryInfer() {
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":3136}}]}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + 3136).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        for (int i = 0; i < 784; i++) {
            body.putFloat((i % 28) / 28f);
        }
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/models/lenet5/infer"))
                .timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build();
    }
}
