package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
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
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Mixed traffic for {@code soak.seconds} (60 in the full test run; tools/bench/soak.sh runs 600): lenet5 and alexnet,
 * JSON and binary, PNG images, introspection, bad requests, and a new lenet5 version loaded (the old one unloaded)
 * every {@code soak.seconds / 6}. Heap after GC, resident memory (JavaCPP's physicalBytes, with ND4J's buffers),
 * threads and open file descriptors are sampled throughout; none may trend upwards, and every request must get the
 * answer its kind expects.
 */
@Tag("slow")
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SoakTest {

    static final long SECONDS = Long.getLong("soak.seconds", 60);
    static final int CLIENTS = 3;
    static Path repository;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) throws Exception {
        repository = io.convserve.registry.BundledModels.copy("convserve-soak-", "lenet5", "alexnet");
        properties.add("inference.repository", repository::toString);
        properties.add("inference.auth.management", () -> "open");
        properties.add("logging.level.io.convserve", () -> "WARN");
    }

    @LocalServerPort
    int port;

    record Kind(String name, int weight, Set<Integer> expected, HttpRequest request) {
    }

    record Sample(long second, long heapMb, long physicalMb, int threads, long fds) {
        long value(int i) {
            return switch (i) {
                case 0 -> heapMb;
                case 1 -> physicalMb;
                case 2 -> threads;
                default -> fds;
            };
        }
    }

    /** physicalBytes: the process's resident memory as JavaCPP reads it, ND4J's off-heap buffers included. */
    static final String[] FIGURES = {"heap after GC (MB)", "physicalBytes (MB)", "threads", "open file descriptors"};
    /** Growth allowed from the first third of the run to the last: absolute, and relative to the first third. */
    static final long[] ALLOWED_ABSOLUTE = {32, 128, 16, 32};
    static final double ALLOWED_RELATIVE = 0.10;

    HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    HttpRequest binary(String model, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(dims.length() > 0 ? "," : "").append(d);
        }
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[" + dims + "],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + 4 * n + "}}]}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        Random random = new Random(n);
        for (int i = 0; i < n; i++) {
            body.putFloat(random.nextFloat());
        }
        return at("/v2/models/" + model + "/infer").header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build();
    }

    HttpRequest json(String path, String body) {
        return at(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    List<Kind> kinds() throws Exception {
        String digit = Files.readString(Path.of("examples/infer-lenet5.json"));
        byte[] png = Files.readAllBytes(Path.of("data/mnist/png/00007_label7.png"));
        return List.of(
                new Kind("lenet5 JSON infer", 6, Set.of(200), json("/v2/models/lenet5/infer", digit)),
                new Kind("lenet5 binary infer", 6, Set.of(200), binary("lenet5", 1, 1, 28, 28)),
                new Kind("lenet5 binary infer, batch 8", 2, Set.of(200), binary("lenet5", 8, 1, 28, 28)),
                new Kind("alexnet binary infer", 1, Set.of(200), binary("alexnet", 1, 3, 227, 227)),
                new Kind("PNG prediction", 4, Set.of(200), at("/predictions/lenet5?top_k=3")
                        .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png)).build()),
                new Kind("layer table", 2, Set.of(200), at("/v2/models/alexnet/layers?batch_size=8").build()),
                new Kind("summary", 2, Set.of(200), json("/v2/summary",
                        "{\"model\": \"alexnet\", \"input_shape\": [3, 224, 224]}")),
                new Kind("metadata", 2, Set.of(200), at("/v2/models/lenet5").build()),
                new Kind("wrong shape", 2, Set.of(400), json("/v2/models/lenet5/infer", "{\"inputs\": [{\"name\": "
                        + "\"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]}]}")),
                new Kind("malformed JSON", 1, Set.of(400), json("/v2/models/lenet5/infer", "{\"inputs\": [")),
                new Kind("unknown model", 1, Set.of(404), json("/v2/models/nope/infer", digit)));
    }

    static Sample sample(long second) throws Exception {
        System.gc();
        Thread.sleep(200);
        long fds;
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            fds = open.count();
        }
        return new Sample(second, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
                Pointer.physicalBytes() >> 20, ManagementFactory.getThreadMXBean().getThreadCount(), fds);
    }

    /** Moves lenet5 to a new version folder (a copy of the current one) and loads it: the old version is unloaded. */
    void reload(HttpClient client, int version) throws Exception {
        Path model = repository.resolve("lenet5");
        Path previous = model.resolve(Integer.toString(version - 1));
        Path next = model.resolve(Integer.toString(version));
        Files.createDirectories(next);
        try (Stream<Path> files = Files.list(previous)) {
            for (Path f : files.toList()) {
                Files.copy(f, next.resolve(f.getFileName()));
            }
        }
        try (Stream<Path> files = Files.walk(previous)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
        HttpResponse<String> r = client.send(json("/v2/repository/models/lenet5/load", ""),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("reload to version %d: %s", version, r.body()).isEqualTo(200);
    }

    @Test
    void mixedTrafficWithReloadsGrowsNeitherMemoryNorThreadsNorFileDescriptors() throws Exception {
        List<Kind> kinds = kinds();
        List<Kind> weighted = new ArrayList<>();
        kinds.forEach(k -> {
            for (int i = 0; i < k.weight(); i++) {
                weighted.add(k);
            }
        });
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Random random = new Random(c);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            Thread t = new Thread(() -> {
                while (running.get()) {
                    Kind k = weighted.get(random.nextInt(weighted.size()));
                    try {
                        int status = client.send(k.request(), HttpResponse.BodyHandlers.discarding()).statusCode();
                        if (!k.expected().contains(status)) {
                            failures.add(k.name() + " answered " + status);
                        }
                    } catch (Exception e) {
                        failures.add(k.name() + ": " + e);
                    }
                    counts.computeIfAbsent(k.name(), x -> new LongAdder()).increment();
                }
            }, "soak-client-" + c);
            t.start();
            clients.add(t);
        }

        HttpClient admin = HttpClient.newHttpClient();
        long interval = Math.max(5, SECONDS / 60);
        long reloadEvery = Math.max(10, SECONDS / 6);
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        int version = 1;
        long nextReload = reloadEvery;
        for (long second = 0; second <= SECONDS; second += interval) {
            long wait = start + TimeUnit.SECONDS.toNanos(second) - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
            }
            if (second >= nextReload) {
                reload(admin, ++version);
                nextReload += reloadEvery;
            }
            samples.add(sample(second));
        }
        running.set(false);
        for (Thread t : clients) {
            t.join(60_000);
        }

        StringBuilder table = new StringBuilder("| s | " + String.join(" | ", FIGURES) + " |\n");
        for (Sample s : samples) {
            table.append(String.format("| %d | %d | %d | %d | %d |%n", s.second(), s.heapMb(), s.physicalMb(),
                    s.threads(), s.fds()));
        }
        long total = counts.values().stream().mapToLong(LongAdder::sum).sum();
        System.out.printf("soak: %d s, %d requests (%.0f/s), %d failed, %d reloads; by kind %s%n%s", SECONDS, total,
                total / (double) SECONDS, failures.size(), version - 1, new java.util.TreeMap<>(counts), table);

        assertThat(failures).as("requests without the answer their kind expects").isEmpty();
        // the first two samples are the warm-up (plans built per batch size, classes loaded, pools filled)
        List<Sample> steady = samples.subList(Math.min(2, samples.size() - 3), samples.size());
        int third = Math.max(1, steady.size() / 3);
        for (int i = 0; i < FIGURES.length; i++) {
            int figure = i;
            double first = steady.subList(0, third).stream().mapToLong(s -> s.value(figure)).average().orElseThrow();
            double last = steady.subList(steady.size() - third, steady.size()).stream()
                    .mapToLong(s -> s.value(figure)).average().orElseThrow();
            assertThat(last - first).as("%s: growth from the first third of the run (%.0f) to the last (%.0f)",
                    FIGURES[i], first, last).isLessThanOrEqualTo(ALLOWED_ABSOLUTE[i] + ALLOWED_RELATIVE * first);
        }
    }
}
