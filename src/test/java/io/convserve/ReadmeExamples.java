package io.convserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The {@code $} commands of README.md's fenced blocks with the lines printed below each: a command runs on while a
 * line ends with a backslash or leaves a single quote open. README's {@code localhost:8080} becomes the test
 * service's port; the commands run with bash in the repository's root.
 */
record ReadmeExamples(String command, String expected) {

    static final Path README = Path.of("README.md");

    static List<ReadmeExamples> all() throws IOException {
        List<ReadmeExamples> examples = new ArrayList<>();
        boolean fenced = false;
        StringBuilder command = null;
        StringBuilder expected = new StringBuilder();
        boolean continues = false;
        for (String line : Files.readAllLines(README, StandardCharsets.UTF_8)) {
            if (line.startsWith("```")) {
                if (command != null) {
                    examples.add(new ReadmeExamples(command.toString(), expected.toString()));
                    command = null;
                }
                fenced = !fenced;
                continue;
            }
            if (!fenced) {
                continue;
            }
            if (continues) {
                command.append('\n').append(line);
            } else if (line.startsWith("$ ")) {
                if (command != null) {
                    examples.add(new ReadmeExamples(command.toString(), expected.toString()));
                }
                command = new StringBuilder(line.substring(2));
                expected = new StringBuilder();
            } else if (command != null) {
                expected.append(line).append('\n');
                continue;
            } else {
                continue;
            }
            continues = line.endsWith("\\") || command.chars().filter(c -> c == '\'').count() % 2 == 1;
        }
        return examples;
    }

    /** Runs the command against the service on {@code port}; its standard output. Fails on a non-zero exit. */
    String run(int port, String python) throws Exception {
        String script = command.replace("localhost:8080", "localhost:" + port);
        if (script.startsWith("python3 ")) {
            script = "\"$CONVSERVE_PYTHON\" " + script.substring("python3 ".length());
        }
        Path out = Files.createTempFile("readme-", ".out");
        Path err = Files.createTempFile("readme-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().put("CONVSERVE_PYTHON", python);
            // README's java is the JDK running the tests, whether or not one is on the PATH
            builder.environment().merge("PATH", Path.of(System.getProperty("java.home"), "bin").toString(),
                    (path, jdk) -> jdk + java.io.File.pathSeparator + path);
            Process process = builder.start();
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("README command did not finish in 3 minutes: " + command);
            }
            String stdout = Files.readString(out);
            assertThat(process.exitValue()).as("exit status of README command\n%s\nstderr:\n%s\nstdout:\n%s", command,
                    Files.readString(err), stdout).isZero();
            return stdout;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * Whether {@code actual} is what README prints: the same text apart from white space (README wraps long JSON
     * lines), where {@code ...} stands for any text.
     */
    boolean printedAs(String actual) {
        StringBuilder regex = new StringBuilder();
        String[] parts = expected.replaceAll("\\s+", "").split("\\.\\.\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            regex.append(i > 0 ? ".*?" : "").append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(actual.replaceAll("\\s+", "")).matches();
    }

    static String python() {
        String python = System.getenv("CONVSERVE_PYTHON");
        return python == null || python.isBlank() ? "python3" : python;
    }
}
