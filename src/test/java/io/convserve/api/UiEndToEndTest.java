package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.convserve.registry.BundledModels;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The page in a real browser: {@code src/test/e2e/ui.e2e.mjs} drives Debian's Chromium with playwright-core
 * against the service (through the validating proxy, so every API call the page makes is checked against the
 * spec). Screenshots go to {@code target/e2e-screenshots}. A missing browser or Node is a failure, not a skip.
 * The design view's PyTorch and Keras exports ({@code target/design-exports}) then run in torch and keras
 * ({@code tools/design/check_snippets.py} with {@code CONVSERVE_PYTHON}); a missing module is a failure too.
 */
@org.junit.jupiter.api.Tag("browser") // needs Node and Chromium: the full run only (tools/ci/test.sh)
class UiEndToEndTest extends ValidatedApiTest {

    static final Path EXPORTS = Path.of("target/design-exports");
    static final Path CHECK_SNIPPETS = Path.of("tools/design/check_snippets.py");
    /** The served models, in a folder the design view's exported model.json is loaded into. */
    static Path repository;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) throws IOException {
        repository = BundledModels.copy("convserve-ui-", "alexnet", "lenet5", "vgg16");
        properties.add("inference.repository", repository::toString);
        properties.add("inference.auth.management", () -> "open");
    }

    static final Path E2E = Path.of("src/test/e2e");
    static final Path SCREENSHOTS = Path.of("target/e2e-screenshots");
    static final Path DIGIT = Path.of("data/mnist/png/00004_label4.png");
    static final Path PHOTO = Path.of("data/photos/coffee.png");
    private static final Pattern LOCKED_PLAYWRIGHT =
            Pattern.compile("\"node_modules/playwright-core\"\\s*:\\s*\\{[^}]*?\"version\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern PACKAGE_VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");

    @Test
    void rootLeadsToThePage() throws Exception {
        HttpResponse<String> root = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/ui/"));
        HttpResponse<String> page = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ui/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<canvas id=\"pad\"", "app.js");
    }

    @Test
    void pageWorksInChromium() throws Exception {
        assertThat(DIGIT).as("the MNIST digit %s (committed under data/, see data/README.md)",
                DIGIT.toAbsolutePath().normalize()).isRegularFile();
        assertThat(PHOTO).as("the photo %s (committed under data/, see data/README.md)",
                PHOTO.toAbsolutePath().normalize()).isRegularFile();
        installPlaywrightCore();
        String label = DIGIT.getFileName().toString().replaceAll(".*label(\\d+)\\.png", "$1");
        Process node = new ProcessBuilder("node", "ui.e2e.mjs", "http://localhost:" + proxy.port(),
                SCREENSHOTS.toAbsolutePath().toString(), DIGIT.toAbsolutePath().toString(), label,
                PHOTO.toAbsolutePath().toString(), EXPORTS.toAbsolutePath().toString(), repository.toString())
                .directory(E2E.toFile()).redirectErrorStream(true).start();
        boolean done = node.waitFor(6, TimeUnit.MINUTES);
        if (!done) {
            node.destroyForcibly();
        }
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(output);
        assertThat(done).as("the browser test finished within 6 minutes:\n" + output).isTrue();
        assertThat(node.exitValue()).as("browser test output:\n" + output).isZero();
        assertThat(output).doesNotContain("FAIL").contains("classified as 7", "feature maps");
        assertThat(List.of("00-keyboard-light.png", "00-keyboard-dark.png", "01-models.png", "02-lenet5-drawn-7.png",
                "02a-lenet5-impossible-input.png", "03-lenet5-uploaded-digit.png", "03a-lenet5-not-an-image.png",
                "03b-lenet5-keyboard-drawing.png", "03c-lenet5-infer-failed.png", "04-alexnet.png", "05-alexnet-photo.png",
                "06-no-preprocessing.png", "07-config-and-stats-failed.png", "08-design-lenet5-built.png",
                "09-design-alexnet-227.png", "10-design-alexnet-224.png", "11-design-alexnet-63-error.png",
                "12-design-every-type-imported.png"))
                .allSatisfy(shot -> assertThat(SCREENSHOTS.resolve(shot)).isNotEmptyFile());
        assertThat(output).contains("61,706 parameters, flatten [1, 16, 5, 5] -> [1, 400]",
                "fc6 shows \"26,218,496 (was 37,752,832)\"", "the message under pool5 is the engine's");

        List<String> cases = List.of("lenet5-built", "alexnet-224", "global-avg", "every-type");
        List<String> command = new java.util.ArrayList<>(List.of(python(), CHECK_SNIPPETS.toString()));
        cases.forEach(c -> command.add(EXPORTS.resolve(c + ".json").toString()));
        Process check = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean checked = check.waitFor(5, TimeUnit.MINUTES);
        if (!checked) {
            check.destroyForcibly();
        }
        String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(checkOutput);
        assertThat(checkOutput).as("%s needs torch and keras: run tools/ci/python-env.sh and set CONVSERVE_PYTHON to its "
                + "interpreter (%s)\n%s", CHECK_SNIPPETS, python(), checkOutput).doesNotContain("ModuleNotFoundError");
        assertThat(checked && check.exitValue() == 0).as("the exported snippets in torch and keras:\n" + checkOutput).isTrue();
        assertThat(checkOutput).contains("4 designs, 0 differences", "lenet5-built pytorch total: forward pass gives [1, 10], 61,706",
                "lenet5-built keras total: forward pass gives [1, 10], 61,706", "alexnet-224 keras fc6: output [1, 4096], 26,218,496");
    }

    private static String python() {
        String python = System.getenv("CONVSERVE_PYTHON");
        return python == null || python.isBlank() ? "python3" : python;
    }

    /**
     * {@code npm ci} from the committed lock file (the npm registry is reachable) unless node_modules already holds
     * what it locks: npm's own record {@code node_modules/.package-lock.json} is not older than the lock file and
     * the installed playwright-core has the locked version.
     */
    private static void installPlaywrightCore() throws IOException, InterruptedException {
        if (installedMatchesLock()) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(E2E.toFile())
                .redirectErrorStream(true).start();
        boolean done = npm.waitFor(5, TimeUnit.MINUTES);
        String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done && npm.exitValue() == 0).as("npm ci in src/test/e2e:\n" + output).isTrue();
    }

    static boolean installedMatchesLock() throws IOException {
        Path lock = E2E.resolve("package-lock.json");
        Path installedLock = E2E.resolve("node_modules/.package-lock.json");
        Path installed = E2E.resolve("node_modules/playwright-core/package.json");
        if (!Files.isRegularFile(installedLock) || !Files.isRegularFile(installed)
                || Files.getLastModifiedTime(lock).compareTo(Files.getLastModifiedTime(installedLock)) > 0) {
            return false;
        }
        String locked = lockedVersion(Files.readString(lock));
        String present = PACKAGE_VERSION.matcher(Files.readString(installed)).results()
                .map(m -> m.group(1)).findFirst().orElse(null);
        return locked != null && locked.equals(present);
    }

    /** The version of {@code node_modules/playwright-core} in a lock file (lockfileVersion 2 or 3). */
    static String lockedVersion(String lock) {
        Matcher entry = LOCKED_PLAYWRIGHT.matcher(lock);
        return entry.find() ? entry.group(1) : null;
    }
}
