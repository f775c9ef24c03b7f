package io.convserve.registry;

import io.convserve.model.ArchitectureException;
import io.convserve.model.Initializer;
import io.convserve.model.Network;
import io.convserve.model.WeightsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Loads one model folder of the repository (docs/model-format.md): model.json, numeric version folders, labels.txt. */
public final class ModelLoader {

    /** Model names: letters, digits, '.', '_' and '-', not starting with '.', at most 128 characters. */
    public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

    private final ModelDefinitionReader reader = new ModelDefinitionReader();

    /** The numeric version folders of a model folder, in ascending order. */
    public List<String> versions(Path modelDir) {
        try (Stream<Path> children = Files.list(modelDir)) {
            return children.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> VERSION.matcher(n).matches())
                    .sorted((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)))
                    .toList();
        } catch (IOException e) {
            throw new ModelLoadException("cannot list " + modelDir + ": " + e.getMessage(), e);
        }
    }

    public ModelDefinition definition(Path modelDir) {
        Path json = modelDir.resolve("model.json");
        String name = modelDir.getFileName().toString();
        if (!Files.isRegularFile(json)) {
            throw new ModelLoadException("model '" + name + "': model.json is missing");
        }
        try {
            ModelDefinition definition = reader.read(Files.readAllBytes(json), "model '" + name + "' model.json");
            if (definition.name() != null && !definition.name().equals(name)) {
                throw new ModelLoadException("model '" + name + "' model.json: name '" + definition.name()
                        + "' differs from its folder name '" + name + "'");
            }
            return definition;
        } catch (IOException e) {
            throw new ModelLoadException("model '" + name + "': cannot read model.json: " + e.getMessage(), e);
        }
    }

    /** Loads one version; any failure is a {@link ModelLoadException} naming the model, version and cause. */
    public LoadedModel load(Path modelDir, String version) {
        long start = System.nanoTime();
        String name = modelDir.getFileName().toString();
        ModelDefinition definition = definition(modelDir);
        Path weightsFile = modelDir.resolve(version).resolve("weights.npz");
        String where = "model '" + name + "' version " + version;
        Map<String, INDArray> arrays;
        boolean generated;
        if (Files.isRegularFile(weightsFile)) {
            try {
                arrays = NpzWeights.read(weightsFile);
            } catch (ModelLoadException e) {
                throw new ModelLoadException(where + ": " + e.getMessage(), e);
            }
            generated = false;
        } else if (definition.init() != null) {
            arrays = Initializer.heNormal(definition.architecture(), definition.init().seed());
            generated = true;
        } else {
            throw new ModelLoadException(where + ": " + weightsFile.getFileName()
                    + " is missing and model.json declares no \"init\" for generated weights");
        }
        Network network;
        try {
            network = Network.create(definition.architecture(), arrays);
        } catch (WeightsException | ArchitectureException e) {
            throw new ModelLoadException(where + ": " + e.getMessage(), e);
        }
        List<String> labels = labels(modelDir.resolve("labels.txt"), where);
        return new LoadedModel(name, version, definition, network, labels, generated,
                Duration.ofNanos(System.nanoTime() - start), ModelRegistry.stamp(modelDir, weightsFile));
    }

    private static List<String> labels(Path file, String where) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<String> labels = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    labels.add(line.strip());
                }
            }
            return List.copyOf(labels);
        } catch (IOException e) {
            throw new ModelLoadException(where + ": cannot read labels.txt: " + e.getMessage(), e);
        }
    }
}
