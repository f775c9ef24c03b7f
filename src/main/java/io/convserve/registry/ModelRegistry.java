package io.convserve.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models being served, by name and version, loaded from one repository folder. Lookups are
 * lock-free; a model's version map is replaced as a whole, so a reader never sees a half-loaded model.
 */
public final class ModelRegistry {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final Path repository;
    private final ModelLoader loader = new ModelLoader();
    private final Map<String, NavigableMap<Long, LoadedModel>> models = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();

    public ModelRegistry(Path repository) {
        this.repository = repository;
    }

    public Path repository() {
        return repository;
    }

    /** Loads every model folder of the repository; a folder that fails is logged and recorded, not fatal. */
    public void loadAll() {
        try (Stream<Path> children = Files.list(repository)) {
            for (Path dir : children.filter(Files::isDirectory).sorted().toList()) {
                String name = dir.getFileName().toString();
                if (ModelLoader.MODEL_NAME.matcher(name).matches()) {
                    try {
                        load(name);
                    } catch (ModelLoadException e) {
                        // recorded in failures(); the other models still load
                    }
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot list the model repository " + repository + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads every version of one model; on failure the versions already serving stay untouched, the reason
     * is recorded and a {@link ModelLoadException} is thrown.
     */
    public void load(String name) {
        if (!ModelLoader.MODEL_NAME.matcher(name).matches()) {
            throw new ModelLoadException("invalid model name '" + name + "': use letters, digits, '.', '_' and '-'");
        }
        Path dir = repository.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model '" + name + "' is not in the repository. Model folders: " + available());
        }
        try {
            List<String> versions = loader.versions(dir);
            if (versions.isEmpty()) {
                throw new ModelLoadException("model '" + name + "': no numeric version folder (e.g. " + name + "/1/)");
            }
            NavigableMap<Long, LoadedModel> loaded = new TreeMap<>();
            for (String version : versions) {
                LoadedModel model = loader.load(dir, version);
                log.info("loaded model={} version={} parameters={} weights={} duration_ms={}", name, version,
                        model.network().parameterCount(), model.generatedWeights() ? "generated(he_normal)" : "weights.npz",
                        model.loadTime().toMillis());
                loaded.put(Long.parseLong(version), model);
            }
            models.put(name, Collections.unmodifiableNavigableMap(loaded));
            failures.remove(name);
        } catch (ModelLoadException e) {
            failures.put(name, e.getMessage());
            log.error("failed to load model={} reason=\"{}\"", name, e.getMessage());
            throw e;
        }
    }

    /** Stops serving a model; returns false when it was not loaded. */
    public boolean unload(String name) {
        boolean removed = models.remove(name) != null;
        if (removed) {
            log.info("unloaded model={}", name);
        }
        return removed;
    }

    /** Model folders present in the repository, loaded or not. */
    public List<String> available() {
        try (Stream<Path> children = Files.list(repository)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> ModelLoader.MODEL_NAME.matcher(n).matches()).sorted().toList();
        } catch (IOException e) {
            throw new ModelLoadException("cannot list the model repository: " + e.getMessage(), e);
        }
    }

    /** A version of a model, or the latest when {@code version} is null. */
    public Optional<LoadedModel> find(String name, String version) {
        NavigableMap<Long, LoadedModel> versions = models.get(name);
        if (versions == null) {
            return Optional.empty();
        }
        if (version == null || version.isEmpty()) {
            return Optional.of(versions.lastEntry().getValue());
        }
        try {
            return Optional.ofNullable(versions.get(Long.parseLong(version)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public boolean contains(String name) {
        return models.containsKey(name);
    }

    /** Loaded versions of a model, ascending. */
    public List<String> versions(String name) {
        NavigableMap<Long, LoadedModel> versions = models.get(name);
        return versions == null ? List.of() : versions.keySet().stream().map(String::valueOf).toList();
    }

    /** The latest version of every loaded model, by name. */
    public List<LoadedModel> latest() {
        List<LoadedModel> out = new ArrayList<>();
        for (String name : new TreeMap<>(models).keySet()) {
            out.add(models.get(name).lastEntry().getValue());
        }
        return out;
    }

    /** Models whose last load failed, with the reason. */
    public Map<String, String> failures() {
        return Map.copyOf(failures);
    }
}
