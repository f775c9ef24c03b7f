package io.convserve.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.model.LayerSummary;
import io.convserve.model.Summary;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelLoader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import tools.jackson.databind.json.JsonMapper;

/**
 * The importer golden files under {@code importers/} (written by {@code importers/generate.py}): import a file,
 * install it into a repository, load it with the real loader, and compare the forward pass and the summary with
 * what the framework that made the file reported.
 */
final class Golden {

    static final double TOLERANCE = 1e-4;

    private Golden() {
    }

    static Path root() {
        try {
            return Path.of(Golden.class.getClassLoader().getResource("importers").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ImportedModel importFile(Path file) throws Exception {
        return ModelImporter.read(file);
    }

    static LoadedModel install(ImportedModel model, Path repository, String name) {
        RepositoryWriter.Installation installation = new RepositoryWriter().install(model, repository, name, "1", false);
        installation.commit();
        return new ModelLoader().load(repository.resolve(name), "1");
    }

    /** Max |ours - theirs| on the case's input, checked against the tolerance relative to the output scale. */
    static double checkForward(LoadedModel model, Path caseDir) throws Exception {
        Map<String, INDArray> io = Nd4j.createFromNpzFile(caseDir.resolve("io.npz").toFile());
        INDArray input = io.get("input").castTo(DataType.FLOAT);
        INDArray expected = io.get("output").castTo(DataType.FLOAT);
        INDArray actual = model.network().forward(input);
        assertThat(actual.shape()).as("output shape").isEqualTo(expected.shape());
        double scale = Math.max(1.0, Transforms.abs(expected).maxNumber().doubleValue());
        double maxError = Transforms.abs(actual.sub(expected)).maxNumber().doubleValue();
        System.out.printf("importer golden %-36s max_abs_error=%.3e scale=%.3e%n", caseDir.getFileName() + "/"
                + model.name(), maxError, scale);
        assertThat(maxError).as("max abs error vs %s", Arrays.toString(expected.shape()))
                .isLessThanOrEqualTo(TOLERANCE * scale);
        return maxError;
    }

    /**
     * Our summary against the framework's (summary.json): the total parameter count, and for every framework layer
     * that has an equally named layer of ours, its output shape and parameters (a Keras SeparableConv2D's count is
     * that of our '<name>_depthwise' and '<name>' together). Every framework layer with parameters must be found.
     * {@code added}: parameters our layers have that the framework's do not (e.g. the zero beta of a Keras
     * BatchNormalization with center=False), by layer name.
     */
    static void checkSummary(LoadedModel model, Path caseDir, Map<String, Long> added) throws Exception {
        checkSummary(model, caseDir, added, Set.of());
    }

    /**
     * As above; {@code fused}: framework layers the exporter folded into the layer before them (BatchNorm2d into
     * the convolution: no layer of ours, their parameters not in our total, the convolution's new bias in
     * {@code added}).
     */
    @SuppressWarnings("unchecked")
    static void checkSummary(LoadedModel model, Path caseDir, Map<String, Long> added, Set<String> fused)
            throws Exception {
        Map<String, Object> reference = JsonMapper.builder().build()
                .readValue(caseDir.resolve("summary.json").toFile(), Map.class);
        Summary ours = model.network().summary();
        boolean trainableOnly = "trainable".equals(reference.get("params_counted")); // torchinfo counts no buffers
        long fusedAway = ((List<Object>) reference.get("layers")).stream().map(o -> (Map<String, Object>) o)
                .filter(row -> fused.contains(row.get("name"))).mapToLong(row -> ((Number) row.get("params")).longValue())
                .sum();
        assertThat(trainableOnly ? ours.totals().trainableParameters() : ours.totals().parameters())
                .as("total parameters")
                .isEqualTo(((Number) reference.get("total_params")).longValue() - fusedAway
                        + added.values().stream().mapToLong(Long::longValue).sum());
        List<String> matched = new ArrayList<>();
        for (Object o : (List<Object>) reference.get("layers")) {
            Map<String, Object> row = (Map<String, Object>) o;
            String name = (String) row.get("name");
            if (fused.contains(name)) {
                assertThat(ours.layers()).as("'%s' was fused away by the exporter", name)
                        .noneMatch(l -> l.name().equals(name));
                continue;
            }
            LayerSummary layer = ours.layers().stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
            long params = ((Number) row.get("params")).longValue();
            if (layer == null) {
                assertThat(params).as("framework layer '%s' has parameters but no layer of ours is named so", name)
                        .isZero();
                continue;
            }
            long ourParams = ours.layers().stream()
                    .filter(l -> l.name().equals(name) || l.name().equals(name + "_depthwise"))
                    .mapToLong(trainableOnly ? LayerSummary::trainableParameters : LayerSummary::parameters).sum();
            assertThat(ourParams).as("parameters of '%s'", name).isEqualTo(params + added.getOrDefault(name, 0L));
            List<Long> shape = layer.outputShape().subList(1, layer.outputShape().size());
            List<Long> theirs = ((List<Number>) row.get("output_shape")).stream().map(Number::longValue).toList();
            assertThat(shape).as("output shape of '%s'", name).isEqualTo(theirs);
            matched.add(name);
        }
        System.out.printf("importer summary %-28s layers matched by name: %s%n", caseDir.getFileName(), matched);
    }
}
