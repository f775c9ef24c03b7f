package io.convserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelLoader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Forward passes against PyTorch and Keras. Each folder under {@code reference/} was written by
 * {@code reference/generate.py}: a model (model.json + 1/weights.npz) and io.npz with the framework's
 * input and output. The model is loaded through the real loader, so weight layouts are checked too.
 * Tolerance: max |ours - theirs| <= 1e-4 * max(1, max |theirs|).
 */
class GoldenForwardTest {

    static final double TOLERANCE = 1e-4;

    static Path goldenRoot() {
        try {
            return Path.of(GoldenForwardTest.class.getClassLoader().getResource("reference").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> cases() throws Exception {
        try (Stream<Path> dirs = Files.list(goldenRoot())) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("io.npz")))
                    .map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    @Test
    void everyLayerTypeHasAGoldenCase() throws Exception {
        java.util.Set<String> covered = new java.util.TreeSet<>();
        for (String name : cases().toList()) {
            LoadedModel model = new ModelLoader().load(goldenRoot().resolve(name), "1");
            model.definition().architecture().layers().forEach(l -> covered.add(l.type()));
        }
        assertThat(covered).containsAll(Layers.TYPES);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardMatchesReferenceFramework(String name) throws Exception {
        Path dir = goldenRoot().resolve(name);
        LoadedModel model = new ModelLoader().load(dir, "1");
        Map<String, INDArray> io = Nd4j.createFromNpzFile(dir.resolve("io.npz").toFile());
        INDArray input = io.get("input").castTo(DataType.FLOAT);
        INDArray expected = io.get("output").castTo(DataType.FLOAT);

        INDArray actual = model.network().forward(input);

        assertThat(actual.shape()).as("output shape").isEqualTo(expected.shape());
        double scale = Math.max(1.0, Transforms.abs(expected).maxNumber().doubleValue());
        double maxError = Transforms.abs(actual.sub(expected)).maxNumber().doubleValue();
        System.out.printf("golden %-28s max_abs_error=%.3e scale=%.3e%n", name, maxError, scale);
        assertThat(maxError).as("max abs error vs %s, output scale %s", Arrays.toString(expected.shape()), scale)
                .isLessThanOrEqualTo(TOLERANCE * scale);

        // the execution plan (preallocated buffers, op objects built once) against the framework too, run twice
        // so that a buffer left over from the first run would show
        ExecutionPlan plan = model.network().plan((int) input.size(0));
        for (int run = 0; run < 2; run++) {
            INDArray planned = plan.run(input, java.util.Set.of()).get(Network.OUTPUT);
            double planError = Transforms.abs(planned.sub(expected)).maxNumber().doubleValue();
            assertThat(planError).as("plan %s, run %d: max abs error", plan.steps(), run)
                    .isLessThanOrEqualTo(TOLERANCE * scale);
        }
        // every layer's output asked of the plan (layers fused into a step are then computed on their own, NHWC
        // buffers copied out as NCHW) equals the unfused pass's, and asking does not change the final output
        java.util.Set<String> all = new java.util.HashSet<>(model.network().layerNames());
        Map<String, INDArray> unplanned = model.network().plan((int) input.size(0), Planner.Options.UNFUSED)
                .run(input, all);
        Map<String, INDArray> planned = plan.run(input, all);
        for (String layer : model.network().layerNames()) {
            INDArray want = unplanned.get(layer);
            double layerScale = Math.max(1.0, Transforms.abs(want).maxNumber().doubleValue());
            assertThat(Transforms.abs(planned.get(layer).sub(want)).maxNumber().doubleValue())
                    .as("plan's output of layer %s", layer).isLessThanOrEqualTo(TOLERANCE * layerScale);
        }
        assertThat(Transforms.abs(planned.get(Network.OUTPUT).sub(expected)).maxNumber().doubleValue())
                .as("plan's output with every layer asked for").isLessThanOrEqualTo(TOLERANCE * scale);
    }
}
