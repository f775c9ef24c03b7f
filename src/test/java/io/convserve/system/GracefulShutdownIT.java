package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM during load on the packaged jar: every request in flight when the signal arrives completes with 200 (the
 * web server drains, the batcher computes what it accepted), later ones are refused, and the process exits.
 */
class GracefulShutdownIT {

    record Outcome(long startNanos, int status, String error) {
    }

    static Path jar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("convserve-.*\\.jar"))
                    .filter(p -> !p.toString().endsWith("-plain.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no packaged jar in target/: run mvn package first"));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void sigtermDrainsInFlightRequests() throws Exception {
        int port = freePort();
        Path log = Files.createTempFile("convserve-shutdown-", ".log");
        Process service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar().toString(), "--server.port=" + port, "--inference.grpc.port=0", "--management.server.port=0",
                "--inference.models.alexnet.max-queue-size=64")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String base = "http://localhost:" + port;
            waitReady(base, service, log);
            float[] x = new float[3 * 227 * 227];
            Random random = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,227,227],\"datatype\":\"FP32\","
                    + "\"parameters\":{\"binary_data_size\":" + x.length * 4 + "}}]}").getBytes(StandardCharsets.UTF_8);
            ByteBuffer body = ByteBuffer.allocate(header.length + x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            body.put(header).asFloatBuffer().put(x);
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v2/models/alexnet/infer"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                    .header("Inference-Header-Content-Length", Integer.toString(header.length))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build();

            AtomicBoolean running = new AtomicBoolean(true);
            List<Outcome> outcomes = new CopyOnWriteArrayList<>();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                Thread t = new Thread(() -> {
                    while (running.get()) {
                        // a connection per request: no kept-alive connection is reused across the shutdown
                        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                        long start = System.nanoTime();
                        try {
                            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            outcomes.add(new Outcome(start, r.statusCode(), null));
                        } catch (IOException e) {
                            outcomes.add(new Outcome(start, 0, e.getClass().getSimpleName() + ": " + e.getMessage()));
                            sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                t.start();
                clients.add(t);
            }
            Thread.sleep(3000);
            long signal = System.nanoTime();
            service.destroy(); // SIGTERM
            boolean exited = service.waitFor(90, TimeUnit.SECONDS);
            long exitedAt = System.nanoTime();
            Thread.sleep(500);
            running.set(false);
            for (Thread t : clients) {
                t.join(70_000);
            }

            List<Outcome> inFlight = outcomes.stream().filter(o -> o.startNanos() < signal).toList();
            List<Outcome> later = outcomes.stream().filter(o -> o.startNanos() >= signal).toList();
            List<Outcome> inFlightFailed = inFlight.stream().filter(o -> o.status() != 200).toList();
            System.out.printf("graceful shutdown: %d requests started before SIGTERM, %d of them failed %s; %d started "
                            + "after: %d answered 200, %d refused; exit %s after %.1f s%n", inFlight.size(),
                    inFlightFailed.size(), inFlightFailed.stream().limit(3).toList(), later.size(),
                    later.stream().filter(o -> o.status() == 200).count(),
                    later.stream().filter(o -> o.status() != 200).count(),
                    exited ? Integer.toString(service.exitValue()) : "none", (exitedAt - signal) / 1e9);

            assertThat(exited).as("the process exits after SIGTERM").isTrue();
            assertThat(inFlight).as("requests before the signal").isNotEmpty();
            assertThat(inFlightFailed).as("requests in flight at SIGTERM that did not get their 200").isEmpty();
            assertThat(Files.readString(log)).contains("Commencing graceful shutdown");
        } finally {
            service.destroyForcibly();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void waitReady(String base, Process service, Path log) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited: " + Files.readString(log));
            }
            try {
                if (client.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the service did not become ready in 180 s: " + Files.readString(log));
    }
}
