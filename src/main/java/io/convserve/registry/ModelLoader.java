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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Loads one model folder of the repository (docs/model-format.md): model.json and/or Triton's config.pbtxt, numeric
 * version folders holding weights.npz or a model file of another framework (converted as it loads), labels.
 */
public final class ModelLoader {

    /** Model names: letters, digits, '.', '_' and '-', not starting with '.', at most 128 characters. */
    public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");
    /** model.json fields that describe one architecture; a converted model file brings its own. */
    private static final List<String> ARCHITECTURE_FIELDS = List.of("format_version", "layers", "init");

    /**
     * What the model folder says for all its versions: model.json (null when the versions bring their own model
     * files), config.pbtxt (null when absent), and the version policy and aliases they give.
     */
    public record Folder(String name, Map<String, Object> modelJson, TritonConfig config,
                         ModelDefinition.VersionPolicy versionPolicy, Map<String, String> aliases) {
    }

    private final ModelDefinitionReader reader = new ModelDefinitionReader();
    private final JsonMapper mapper = JsonMapper.builder().build();
    private final ModelConverter converter;

    public ModelLoader() {
        this(ModelConverter.NONE);
    }

    public ModelLoader(ModelConverter converter) {
        this.converter = converter;
    }

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

    /** Reads the folder-level files; neither is required here (a version then needs a model file of its own). */
    public Folder folder(Path modelDir) {
        String name = modelDir.getFileName().toString();
        Map<String, Object> json = null;
        Path jsonFile = modelDir.resolve("model.json");
        if (Files.isRegularFile(jsonFile)) {
            json = readJson(jsonFile, "model '" + name + "' model.json");
            if (json.get("name") != null && !name.equals(json.get("name"))) {
                throw new ModelLoadException("model '" + name + "' model.json: name '" + json.get("name")
                        + "' differs from its folder name '" + name + "'");
            }
        }
        TritonConfig config = null;
        Path pbtxt = modelDir.resolve("config.pbtxt");
        if (Files.isRegularFile(pbtxt)) {
            try {
                config = TritonConfig.parse(Files.readAllBytes(pbtxt), name);
            } catch (IOException e) {
                throw new ModelLoadException("model '" + name + "': cannot read config.pbtxt: " + e.getMessage(), e);
            }
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        if (json != null) {
            settings.putAll(json);
        }
        if (config != null) {
            settings.putAll(config.overlay());
        }
        ModelDefinition.VersionPolicy policy = reader.versionPolicy(settings.get("version_policy"),
                "model '" + name + "'");
        Map<String, String> aliases = reader.aliases(settings.get("aliases"), "model '" + name + "'");
        return new Folder(name, json, config, policy, aliases);
    }

    /** Loads one version; any failure is a {@link ModelLoadException} naming the model, version and cause. */
    public LoadedModel load(Path modelDir, String version) {
        return load(modelDir, version, folder(modelDir));
    }

    LoadedModel load(Path modelDir, String version, Folder folder) {
        long start = System.nanoTime();
        String name = folder.name();
        String where = "model '" + name + "' version " + version;
        Path versionDir = modelDir.resolve(version);
        Path modelFile = modelFile(versionDir, folder.config());
        Map<String, Object> root;
        Map<String, INDArray> arrays = null;
        boolean generated = false;
        String source;
        if (modelFile != null) {
            String format = ModelConverter.format(modelFile.getFileName().toString());
            if (folder.config() != null) {
                folder.config().checkPlatform(format);
            }
            ModelConverter.Converted converted;
            try {
                converted = converter.convert(modelFile);
            } catch (ModelLoadException e) {
                throw new ModelLoadException(where + ": " + e.getMessage(), e);
            }
            root = new LinkedHashMap<>(converted.definition());
            if (folder.modelJson() != null) {
                folder.modelJson().forEach((k, v) -> {
                    if (!ARCHITECTURE_FIELDS.contains(k) && !k.equals("input")) {
                        root.put(k, v);
                    }
                });
            }
            arrays = converted.weights();
            source = where + " (" + version + "/" + modelFile.getFileName() + ")";
        } else {
            if (folder.modelJson() == null) {
                throw new ModelLoadException(where + ": neither model.json in the model folder nor a model file in "
                        + "the version folder (" + (folder.config() != null && folder.config().modelFileName() != null
                        ? folder.config().modelFileName() : String.join(", ", ModelConverter.DEFAULT_FILES)) + ")");
            }
            root = folder.modelJson();
            source = "model '" + name + "' model.json";
        }
        ModelDefinition definition = reader.parse(withOverlay(root, folder.config()), source);
        if (modelFile == null) {
            Path weightsFile = versionDir.resolve("weights.npz");
            if (Files.isRegularFile(weightsFile)) {
                try {
                    arrays = NpzWeights.read(weightsFile);
                } catch (ModelLoadException e) {
                    throw new ModelLoadException(where + ": " + e.getMessage(), e);
                }
            } else if (definition.init() != null) {
                arrays = Initializer.heNormal(definition.architecture(), definition.init().seed());
                generated = true;
            } else {
                throw new ModelLoadException(where + ": " + weightsFile.getFileName()
                        + " is missing and model.json declares no \"init\" for generated weights");
            }
        }
        Network network;
        try {
            network = Network.create(definition.architecture(), arrays);
        } catch (WeightsException | ArchitectureException e) {
            throw new ModelLoadException(where + ": " + e.getMessage(), e);
        }
        if (folder.config() != null) {
            folder.config().checkShapes(network.inputShape().dims(), network.outputShape().dims());
        }
        String labelFile = folder.config() != null && folder.config().labelFileName() != null
                ? folder.config().labelFileName() : "labels.txt";
        List<String> labels = labels(modelDir.resolve(labelFile), folder.config() != null
                && folder.config().labelFileName() != null, where);
        return new LoadedModel(name, version, definition, network, labels, generated,
                Duration.ofNanos(System.nanoTime() - start), ModelRegistry.versionStamp(modelDir, version));
    }

    /** The version's model file: config.pbtxt's default_model_filename, else the first of the default names. */
    static Path modelFile(Path versionDir, TritonConfig config) {
        if (config != null && config.modelFileName() != null) {
            Path file = versionDir.resolve(config.modelFileName()).normalize();
            if (!file.getParent().equals(versionDir.normalize())) {
                throw new ModelLoadException("config.pbtxt: default_model_filename must be a plain file name. Received: "
                        + config.modelFileName());
            }
            if (ModelConverter.format(config.modelFileName()) == null) {
                throw new ModelLoadException("config.pbtxt: default_model_filename \"" + config.modelFileName()
                        + "\" is not a format we convert. Expected a name ending in .onnx, .keras, .h5 or .hdf5");
            }
            return Files.isRegularFile(file) ? file : null;
        }
        for (String candidate : ModelConverter.DEFAULT_FILES) {
            Path file = versionDir.resolve(candidate);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        return null;
    }

    /** The definition with config.pbtxt's fields laid over it; {@code input} and {@code output} merge by field. */
    private static Map<String, Object> withOverlay(Map<String, Object> root, TritonConfig config) {
        if (config == null) {
            return root;
        }
        Map<String, Object> out = new LinkedHashMap<>(root);
        config.overlay().forEach((key, value) -> {
            if ((key.equals("input") || key.equals("output")) && out.get(key) instanceof Map<?, ?> own
                    && value instanceof Map<?, ?> theirs) {
                Map<Object, Object> merged = new LinkedHashMap<>(own);
                merged.putAll(theirs);
                out.put(key, merged);
            } else {
                out.put(key, value);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readJson(Path file, String source) {
        try {
            Object value = mapper.readValue(Files.readAllBytes(file), Object.class);
            if (!(value instanceof Map<?, ?>)) {
                throw new ModelLoadException(source + " must be a JSON object");
            }
            return (Map<String, Object>) value;
        } catch (JacksonException e) {
            throw new ModelLoadException(source + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelLoadException(source + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static List<String> labels(Path file, boolean declared, String where) {
        if (!Files.isRegularFile(file)) {
            if (declared) {
                throw new ModelLoadException(where + ": config.pbtxt output[0].label_filename \"" + file.getFileName()
                        + "\" is not a file in the model folder");
            }
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
            throw new ModelLoadException(where + ": cannot read " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }
}
