package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A flood of connections on loopback: 5,000 keep-alive connections that each sent one request and then stay idle,
 * and meanwhile new connections at 2,000 a second for 10 s, each sending one request and closing. Probes of
 * liveness (main and management port) and of a lenet5 inference every 250 ms must each answer 200 within 2 s; every
 * flood connection must get an answer (200, or 503 when shed) within 2 s, none may hang; and right after the flood
 * the probes answer at once.
 */
@Tag("load")
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConnectionFloodTest {

    static final int IDLE = 5_000;
    static final int RATE = 2_000;
    static final int SECONDS = 10;
    static final long ANSWER_WITHIN_NANOS = TimeUnit.SECONDS.toNanos(2);

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    static final byte[] KEEP_ALIVE = "GET /v2/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    static final byte[] CLOSE = "GET /v2/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    /** One flood connection: when it was opened and what has arrived. */
    static final class Attempt {
        final long opened = System.nanoTime();
        final StringBuilder answer = new StringBuilder();
        boolean sent;
    }

    record Probe(String what, long millis, int status, String error) {
    }

    @Test
    void idleConnectionsAndAConnectionFloodNeitherStarveProbesNorHang() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        List<SocketChannel> idle = new ArrayList<>();
        for (int i = 0; i < IDLE; i++) {
            SocketChannel c = SocketChannel.open(address);
            c.write(ByteBuffer.wrap(KEEP_ALIVE));
            idle.add(c);
        }
        int idleAnswered = 0;
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        for (SocketChannel c : idle) {
            buffer.clear();
            c.socket().setSoTimeout(5000);
            if (c.read(buffer) > 0 && new String(buffer.array(), 0, 12, StandardCharsets.US_ASCII)
                    .startsWith("HTTP/1.1 200")) {
                idleAnswered++;
            }
        }

        AtomicBoolean flooding = new AtomicBoolean(true);
        List<Probe> probes = new CopyOnWriteArrayList<>();
        Thread prober = new Thread(() -> probe(flooding, probes), "flood-prober");
        prober.start();

        Map<String, Integer> outcomes = new TreeMap<>();
        List<Long> answerMillis = new ArrayList<>();
        int attempted = 0;
        try (Selector selector = Selector.open()) {
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(SECONDS);
            while (true) {
                long now = System.nanoTime();
                if (now < end) {
                    long due = (now - start) * RATE / 1_000_000_000L;
                    for (; attempted < due; attempted++) {
                        SocketChannel c = SocketChannel.open();
                        c.configureBlocking(false);
                        c.connect(address);
                        c.register(selector, SelectionKey.OP_CONNECT, new Attempt());
                    }
                } else if (selector.keys().isEmpty()) {
                    break;
                }
                selector.select(1);
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    Attempt a = (Attempt) key.attachment();
                    SocketChannel c = (SocketChannel) key.channel();
                    try {
                        if (key.isConnectable() && c.finishConnect()) {
                            c.write(ByteBuffer.wrap(CLOSE));
                            a.sent = true;
                            key.interestOps(SelectionKey.OP_READ);
                        } else if (key.isReadable()) {
                            buffer.clear();
                            int n = c.read(buffer);
                            if (n > 0) {
                                a.answer.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
                            } else if (n < 0) {
                                String status = a.answer.length() >= 12 ? a.answer.substring(9, 12) : "closed unanswered";
                                outcomes.merge(status, 1, Integer::sum);
                                answerMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - a.opened));
                                key.cancel();
                                c.close();
                            }
                        }
                    } catch (IOException e) {
                        outcomes.merge(e.getClass().getSimpleName() + (a.sent ? " after sending" : " connecting"), 1,
                                Integer::sum);
                        key.cancel();
                        c.close();
                    }
                }
                long late = System.nanoTime() - ANSWER_WITHIN_NANOS;
                for (SelectionKey key : List.copyOf(selector.keys())) {
                    if (((Attempt) key.attachment()).opened < late) {
                        outcomes.merge("no answer within 2 s", 1, Integer::sum);
                        key.cancel();
                        key.channel().close();
                    }
                }
            }
            selector.selectNow();
        }
        long floodEnded = System.nanoTime();
        flooding.set(false);
        prober.join(30_000);
        List<Probe> after = probeOnce();
        long recoveredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - floodEnded);

        int idleOpen = 0;
        for (SocketChannel c : idle) {
            idleOpen += c.isOpen() ? 1 : 0;
            c.close();
        }
        answerMillis.sort(null);
        long p99 = answerMillis.isEmpty() ? -1 : answerMillis.get((int) (answerMillis.size() * 0.99));
        long maxProbe = probes.stream().mapToLong(Probe::millis).max().orElse(-1);
        List<Probe> failedProbes = probes.stream().filter(p -> p.status() != 200).toList();
        System.out.printf("connection flood: %d idle keep-alive connections (%d answered before idling); %d connections"
                        + " attempted in %d s (%d/s), outcomes %s, answer p99 %d ms; %d probes, slowest %d ms, %d failed %s;"
                        + " probes after the flood %s in %d ms%n", IDLE, idleAnswered, attempted, SECONDS,
                attempted / SECONDS, outcomes, p99, probes.size(), maxProbe, failedProbes.size(),
                failedProbes.stream().limit(3).toList(), after, recoveredMillis);

        assertThat(idleAnswered).as("idle connections answered before idling").isEqualTo(IDLE);
        assertThat(attempted).as("connections attempted").isGreaterThanOrEqualTo(RATE * SECONDS * 9 / 10);
        assertThat(outcomes.keySet()).as("every flood connection answered 200 or shed with 503, none hung")
                .isSubsetOf("200", "503");
        assertThat(failedProbes).as("probes that failed during the flood").isEmpty();
        assertThat(maxProbe).as("slowest probe (ms)").isLessThan(2000);
        assertThat(after).as("probes right after the flood").allSatisfy(p -> assertThat(p.status()).isEqualTo(200));
    }

    List<Probe> probeOnce() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        List<Probe> out = new ArrayList<>();
        byte[] zeros = new byte[784 * 4];
        String header = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":3136}}]}";
        byte[] body = new byte[header.length() + zeros.length];
        System.arraycopy(header.getBytes(StandardCharsets.US_ASCII), 0, body, 0, header.length());
        for (HttpRequest r : List.of(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/liveness"))
                        .timeout(Duration.ofSeconds(2)).build(),
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/health/live"))
                        .timeout(Duration.ofSeconds(2)).build(),
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/models/lenet5/infer"))
                        .timeout(Duration.ofSeconds(2)).header("Content-Type", "application/octet-stream")
                        .header("Inference-Header-Content-Length", Integer.toString(header.length()))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build())) {
            long start = System.nanoTime();
            try {
                int status = client.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
                out.add(new Probe(r.uri().getPath(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), status,
                        null));
            } catch (Exception e) {
                out.add(new Probe(r.uri().getPath(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), 0,
                        e.toString()));
            }
        }
        return out;
    }

    void probe(AtomicBoolean running, List<Probe> probes) {
        while (running.get()) {
            probes.addAll(probeOnce());
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
