package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * docs/pretrained.md's recipe, run as printed but with random weights (the published ones need the internet):
 * tools/pretrained/export_torchvision.py exports torchvision's AlexNet to ONNX with the legacy exporter, imports it
 * with our import command and gives it the ImageNet labels and torchvision's preprocessing. The served model must
 * then agree with the frameworks on a photo: the preprocessed tensor with PIL's, the logits with torch's, the
 * probabilities with ONNX Runtime's, and /predictions' labels with their ranking. Needs torch, onnxruntime and
 * pillow ({@code CONVSERVE_PYTHON}, made by tools/ci/python-env.sh).
 */
@Tag("python")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PretrainedRecipeTest {

    static final Path PHOTO = Path.of("data/photos/flower.jpg");

    static Path repository;
    static Path reference;

    @DynamicPropertySource
    static void exportAndImport(DynamicPropertyRegistry properties) throws Exception {
        Path dir = Files.createTempDirectory("convserve-pretrained-");
        repository = dir.resolve("models");
        reference = dir.resolve("reference.npz");
        // the import command on this build's classpath, as `java -jar convserve.jar` would run it
        Path javaArgs = dir.resolve("java.args");
        Files.writeString(javaArgs, "-cp \"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String python = System.getenv("CONVSERVE_PYTHON") == null || System.getenv("CONVSERVE_PYTHON").isBlank()
                ? "python3" : System.getenv("CONVSERVE_PYTHON");
        Process process = new ProcessBuilder(python, "tools/pretrained/export_torchvision.py", "--arch", "alexnet",
                "--random-weights", "7", "--repository", repository.toString(),
                "--convserve", java + " @" + javaArgs + " io.convserve.ConvserveApplication",
                "--reference", PHOTO.toString(), reference.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("the recipe finished").isTrue();
        assertThat(process.exitValue()).as("the recipe's exit status (missing torch, onnxruntime or pillow: run "
                + "tools/ci/python-env.sh and set CONVSERVE_PYTHON); its output:%n%s", output).isZero();
        properties.add("inference.repository", repository::toString);
    }

    @LocalServerPort
    int port;

    @Test
    void theExportedNetworkServesWhatTheFrameworksCompute() throws Exception {
        HttpJson http = new HttpJson(port);
        Map<String, INDArray> expected = Nd4j.createFromNpzFile(reference.toFile());
        float[] input = expected.get("input").dup('c').data().asFloat();

        HttpJson.Response preprocessed = http.postBytes("/v2/models/alexnet/preprocess", Files.readAllBytes(PHOTO),
                Map.of("Content-Type", "image/jpeg"));
        assertThat(preprocessed.status()).as(preprocessed.body()).isEqualTo(200);
        JsonNode tensor = preprocessed.json().get("inputs").get(0);
        assertThat(tensor.get("shape").toString()).isEqualTo("[1,3,224,224]");
        assertThat(maxDifference(tensor.get("data"), input)).as("preprocessing against torchvision's on PIL")
                .isLessThan(1e-5);

        StringBuilder body = new StringBuilder("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,224,224],"
                + "\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < input.length; i++) {
            body.append(i == 0 ? "" : ",").append(input[i]);
        }
        body.append("]}],\"outputs\":[{\"name\":\"probabilities\"},{\"name\":\"classifier.6\"}]}");
        HttpJson.Response inferred = http.post("/v2/models/alexnet/infer", body.toString(), "application/json");
        assertThat(inferred.status()).as(inferred.body()).isEqualTo(200);
        float[] probabilities = expected.get("probabilities").dup('c').data().asFloat();
        float[] logits = expected.get("logits").dup('c').data().asFloat();
        JsonNode outputs = inferred.json().get("outputs");
        double logitScale = Math.max(1, IntStream.range(0, logits.length).mapToDouble(i -> Math.abs(logits[i])).max()
                .orElseThrow());
        System.out.printf("pretrained recipe (alexnet, random weights): max |logit - torch| %.2e (scale %.1f), "
                        + "max |probability - onnxruntime| %.2e%n", maxDifference(outputs.get(1).get("data"), logits),
                logitScale, maxDifference(outputs.get(0).get("data"), probabilities));
        assertThat(outputs.get(0).get("name").asString()).isEqualTo("probabilities");
        assertThat(maxDifference(outputs.get(0).get("data"), probabilities)).isLessThan(1e-5);
        assertThat(maxDifference(outputs.get(1).get("data"), logits)).isLessThan(1e-4 * logitScale);

        List<String> labels = Files.readAllLines(repository.resolve("alexnet/labels.txt"));
        assertThat(labels).hasSize(1000).startsWith("tench", "goldfish");
        List<Integer> ranking = new ArrayList<>(IntStream.range(0, probabilities.length).boxed().toList());
        ranking.sort(Comparator.comparingDouble(i -> -probabilities[i]));
        JsonNode predictions = http.postBytes("/predictions/alexnet?top_k=3", Files.readAllBytes(PHOTO),
                Map.of("Content-Type", "image/jpeg")).json().get("predictions");
        for (int k = 0; k < 3; k++) {
            assertThat(predictions.get(k).get("label").asString()).as("prediction %d", k)
                    .isEqualTo(labels.get(ranking.get(k)));
        }
        JsonNode metadata = http.get("/v2/models/alexnet").json();
        assertThat(metadata.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,3,224,224]");
    }

    static double maxDifference(JsonNode served, float[] expected) {
        assertThat(served.size()).isEqualTo(expected.length);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(served.get(i).asDouble() - expected[i]));
        }
        return max;
    }
}
