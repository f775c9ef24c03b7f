package io.convserve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;

/** What the container tests share: the engine check, the images to build from, and running the docker CLIs. */
final class Docker {

    /**
     * The Dockerfile's JDK_IMAGE (build stage, jlink) and RUNTIME_IMAGE: the local ones CI builds
     * (deploy/ci/docker-setup.sh) unless CONVSERVE_JDK_IMAGE / CONVSERVE_RUNTIME_IMAGE name others; the Dockerfile's
     * own defaults (public images) are never used here.
     */
    static final String JDK_IMAGE = env("CONVSERVE_JDK_IMAGE", "localhost/convserve-jdk17:1");
    static final String RUNTIME_IMAGE = env("CONVSERVE_RUNTIME_IMAGE", "localhost/convserve-runtime:1");
    static final String PROMETHEUS_IMAGE = env("PROMETHEUS_IMAGE", "localhost/prometheus:bookworm");

    private Docker() {
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Fails (never skips) without an engine: CI starts one, and a container test that did not run is not green. */
    static void requireEngine() {
        assertTrue(DockerClientFactory.instance().isDockerAvailable(),
                "No Docker engine answers. These tests need one: run deploy/ci/docker-setup.sh (it installs and"
                        + " starts dockerd and builds the local base images), as .ci/run does.");
    }

    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("Dockerfile"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "no Dockerfile above " + Path.of("").toAbsolutePath());
        return dir;
    }

    /** The packaged application jar (failsafe passes its path; `mvn package` built it). */
    static Path jar() {
        String configured = System.getProperty("convserve.jar");
        Path jar = configured != null ? Path.of(configured)
                : repoRoot().resolve("target/convserve-0.1.0-SNAPSHOT.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run the tests with `mvn verify` (after package)");
        return jar;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a command in the repository root; stdout and stderr together. */
    static Result run(Map<String, String> env, long timeoutSeconds, String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(List.of(command)).directory(repoRoot().toFile())
                    .redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " took over " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String ok(Map<String, String> env, long timeoutSeconds, String... command) {
        Result result = run(env, timeoutSeconds, command);
        assertEquals(0, result.exitCode(), () -> String.join(" ", command) + " failed:\n" + result.output());
        return result.output();
    }

    static List<String> args(String... parts) {
        return new ArrayList<>(List.of(parts));
    }
}
