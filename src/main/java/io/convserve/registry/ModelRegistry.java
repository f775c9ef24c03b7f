package io.convserve.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models being served, by name and version, from one repository folder (docs/model-format.md).
 *
 * <p>A model's served versions follow its {@code version_policy} (latest N, all, specific) and may be named by
 * {@code aliases} ({@code stable}, {@code canary}). A (re)load builds and warms every new version first and then
 * swaps the model's whole version map in one step: lookups are lock-free and never see a half-loaded model, a
 * request keeps the version object it resolved, and a failed load leaves what was serving untouched (the reason is
 * kept for the repository index).
 */
public final class ModelRegistry {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    /** What one model serves: versions by number, aliases to numbers, and the files it was loaded from. */
    private record Served(NavigableMap<Long, LoadedModel> versions, Map<String, String> aliases, String fingerprint,
                          TritonConfig config) {
    }

    private final Path repository;
    private final int warmupRequests;
    private final ModelLoader loader;
    private final Map<String, Served> models = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final List<java.util.function.Consumer<LoadedModel>> loadListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ModelRegistry(Path repository) {
        this(repository, 1);
    }

    /** @param warmupRequests forward passes (batch 1, zeros) run on each new version before it takes traffic */
    public ModelRegistry(Path repository, int warmupRequests) {
        this(repository, warmupRequests, ModelConverter.NONE);
    }

    /** @param converter turns version folders' ONNX and Keras files into our format as they load */
    public ModelRegistry(Path repository, int warmupRequests, ModelConverter converter) {
        this.repository = repository;
        this.warmupRequests = warmupRequests;
        this.loader = new ModelLoader(converter);
    }

    public Path repository() {
        return repository;
    }

    /** Loads every model folder of the repository; a folder that fails is logged and recorded, not fatal. */
    public void loadAll() {
        for (String name : available()) {
            try {
                load(name);
            } catch (ModelLoadException e) {
                // recorded in failures(); the other models still load
            }
        }
    }

    /**
     * Loads or reloads one model. Versions already serving whose files did not change are kept as they are; new
     * or changed ones are loaded and warmed. On any failure nothing changes, the reason is recorded and a
     * {@link ModelLoadException} is thrown.
     */
    public synchronized void load(String name) {
        if (!ModelLoader.MODEL_NAME.matcher(name).matches()) {
            throw new ModelLoadException("invalid model name '" + name + "': use letters, digits, '.', '_' and '-'");
        }
        Path dir = repository.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model '" + name + "' is not in the repository. Model folders: " + available());
        }
        long start = System.nanoTime();
        try {
            ModelLoader.Folder definition = loader.folder(dir);
            if (definition.config() != null && !definition.config().unsupported().isEmpty()) {
                log.warn("model={} config.pbtxt fields not supported, ignored: {}", name,
                        definition.config().unsupported());
            }
            List<Long> onDisk = loader.versions(dir).stream().map(Long::parseLong).toList();
            List<Long> selected = definition.versionPolicy().select(onDisk);
            if (selected.isEmpty()) {
                throw new ModelLoadException("model '" + name + "': no version folder to serve (on disk: " + onDisk
                        + ", version_policy: " + definition.versionPolicy().kind() + ")");
            }
            Served current = models.get(name);
            String fingerprint = fingerprint(dir);
            boolean definitionChanged = current == null || !sameDefinition(current, dir);
            NavigableMap<Long, LoadedModel> next = new TreeMap<>();
            for (long version : selected) {
                LoadedModel existing = current == null ? null : current.versions().get(version);
                if (existing != null && !definitionChanged && versionFingerprint(dir, version)
                        .equals(versionFingerprint(existing))) {
                    next.put(version, existing);
                    continue;
                }
                LoadedModel model = loader.load(dir, Long.toString(version), definition);
                warmUp(model, definition.config());
                log.info("loaded model={} version={} parameters={} weights={} duration_ms={}", name, version,
                        model.network().parameterCount(), model.generatedWeights() ? "generated(he_normal)"
                                : source(dir, version, definition), model.loadTime().toMillis());
                next.put(version, model);
                loadListeners.forEach(l -> l.accept(model));
            }
            for (Map.Entry<String, String> alias : definition.aliases().entrySet()) {
                if (!next.containsKey(Long.parseLong(alias.getValue()))) {
                    throw new ModelLoadException("model '" + name + "': alias '" + alias.getKey() + "' names version "
                            + alias.getValue() + ", which is not served. Served versions: " + next.keySet());
                }
            }
            models.put(name, new Served(java.util.Collections.unmodifiableNavigableMap(next), definition.aliases(),
                    fingerprint, definition.config()));
            failures.remove(name);
            if (current != null) {
                Set<Long> dropped = new HashSet<>(current.versions().keySet());
                dropped.removeAll(next.keySet());
                dropped.forEach(v -> log.info("unloaded model={} version={} reason=version_policy", name, v));
            }
            log.info("serving model={} versions={} aliases={} duration_ms={}", name, next.keySet(),
                    definition.aliases(), (System.nanoTime() - start) / 1_000_000);
        } catch (ModelLoadException e) {
            failures.put(name, e.getMessage());
            log.error("failed to load model={} serving={} duration_ms={} reason=\"{}\"", name,
                    models.containsKey(name) ? versions(name) : "none", (System.nanoTime() - start) / 1_000_000,
                    e.getMessage());
            throw e;
        }
    }

    /** Told about every version loaded from now on (e.g. to export load times). */
    public void onLoaded(java.util.function.Consumer<LoadedModel> listener) {
        loadListeners.add(listener);
    }

    /** Every version being served now, of every model. */
    public List<LoadedModel> all() {
        List<LoadedModel> out = new ArrayList<>();
        new TreeMap<>(models).values().forEach(served -> out.addAll(served.versions().values()));
        return out;
    }

    /** config.pbtxt's model_warmup when it has one (zeros stand in for random data), else the configured count. */
    private void warmUp(LoadedModel model, TritonConfig config) {
        List<TritonConfig.Warmup> warmups = config == null || config.warmups().isEmpty()
                ? List.of(new TritonConfig.Warmup("default", 1, warmupRequests)) : config.warmups();
        for (TritonConfig.Warmup warmup : warmups) {
            for (int i = 0; i < warmup.count(); i++) {
                model.network().forward(Nd4j.zeros(DataType.FLOAT,
                        model.network().inputShape().withBatch(warmup.batchSize())));
            }
        }
    }

    /** Stops serving a model; returns false when it was not loaded. */
    public synchronized boolean unload(String name) {
        boolean removed = models.remove(name) != null;
        failures.remove(name);
        if (removed) {
            log.info("unloaded model={}", name);
        }
        return removed;
    }

    /**
     * One polling pass over the repository folder: new or changed model folders are (re)loaded, folders that
     * disappeared are unloaded. Failures are recorded, never thrown.
     */
    public void poll() {
        List<String> present = available();
        for (String name : present) {
            Served served = models.get(name);
            String now = fingerprint(repository.resolve(name));
            if (now.equals(failedPrints.get(name)) || served != null && now.equals(served.fingerprint())) {
                continue;
            }
            try {
                load(name);
                failedPrints.remove(name);
            } catch (ModelLoadException e) {
                failedPrints.put(name, now);
            }
        }
        for (String name : new ArrayList<>(models.keySet())) {
            if (!present.contains(name)) {
                unload(name);
            }
        }
    }

    private final Map<String, String> failedPrints = new ConcurrentHashMap<>();

    /** Model folders present in the repository, loaded or not. */
    public List<String> available() {
        try (Stream<Path> children = Files.list(repository)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> ModelLoader.MODEL_NAME.matcher(n).matches()).sorted().toList();
        } catch (IOException e) {
            throw new ModelLoadException("cannot list the model repository: " + e.getMessage(), e);
        }
    }

    /** A version of a model by number or alias, or the latest served when {@code version} is null or empty. */
    public Optional<LoadedModel> find(String name, String version) {
        Served served = models.get(name);
        if (served == null) {
            return Optional.empty();
        }
        if (version == null || version.isEmpty()) {
            return Optional.of(served.versions().lastEntry().getValue());
        }
        String number = served.aliases().getOrDefault(version, version);
        try {
            return Optional.ofNullable(served.versions().get(Long.parseLong(number)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public boolean contains(String name) {
        return models.containsKey(name);
    }

    /** Served versions of a model, ascending. */
    public List<String> versions(String name) {
        Served served = models.get(name);
        return served == null ? List.of() : served.versions().keySet().stream().map(String::valueOf).toList();
    }

    /** The model folder's config.pbtxt as it was when the model was loaded, if it has one. */
    public Optional<TritonConfig> tritonConfig(String name) {
        Served served = models.get(name);
        return served == null ? Optional.empty() : Optional.ofNullable(served.config());
    }

    /** Aliases of a model and the versions they name. */
    public Map<String, String> aliases(String name) {
        Served served = models.get(name);
        return served == null ? Map.of() : served.aliases();
    }

    /** The latest version of every loaded model, by name. */
    public List<LoadedModel> latest() {
        List<LoadedModel> out = new ArrayList<>();
        for (String name : new TreeMap<>(models).keySet()) {
            Served served = models.get(name);
            if (served != null) {
                out.add(served.versions().lastEntry().getValue());
            }
        }
        return out;
    }

    /** Models whose last load failed, with the reason (they may still serve an earlier load). */
    public Map<String, String> failures() {
        return Map.copyOf(failures);
    }

    /** Model folders that have no served version (never loaded or failed), with the reason. */
    public Map<String, String> unavailable() {
        Map<String, String> out = new TreeMap<>();
        for (String name : available()) {
            if (!models.containsKey(name)) {
                out.put(name, failures.getOrDefault(name, "not loaded"));
            }
        }
        return out;
    }

    // ---- change detection: modification times and sizes of model.json, labels.txt and each version's files

    private static String fingerprint(Path dir) {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir, 2)) {
            files.filter(Files::isRegularFile).sorted().forEach(f -> sb.append(stamp(dir, f)));
        } catch (IOException e) {
            sb.append("unreadable:").append(e.getMessage());
        }
        return sb.toString();
    }

    /** The folder-level files (model.json, config.pbtxt, labels) are as they were when the model was loaded. */
    private boolean sameDefinition(Served current, Path dir) {
        return folderStamp(current.fingerprint()).equals(folderStamp(fingerprint(dir)));
    }

    /** The part of a fingerprint that stamps files directly in the model folder (no '/' in their relative path). */
    private static String folderStamp(String fingerprint) {
        StringBuilder sb = new StringBuilder();
        for (String entry : fingerprint.split(";")) {
            String path = entry.substring(0, Math.max(0, entry.lastIndexOf('@')));
            if (!path.contains("/") && !path.contains("\\")) {
                sb.append(entry).append(';');
            }
        }
        return sb.toString();
    }

    private static String source(Path dir, long version, ModelLoader.Folder folder) {
        Path file = ModelLoader.modelFile(dir.resolve(Long.toString(version)), folder.config());
        return file == null ? "weights.npz" : version + "/" + file.getFileName();
    }

    private static String versionFingerprint(Path dir, long version) {
        return versionStamp(dir, Long.toString(version));
    }

    /** Names, modification times and sizes of every file in a version folder. */
    static String versionStamp(Path dir, String version) {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir.resolve(version), 1)) {
            files.filter(Files::isRegularFile).sorted().forEach(f -> sb.append(stamp(dir, f)));
        } catch (IOException e) {
            sb.append(version).append("@absent;");
        }
        return sb.toString();
    }

    private String versionFingerprint(LoadedModel model) {
        return model.weightsStamp();
    }

    static String stamp(Path dir, Path file) {
        try {
            return dir.relativize(file) + "@" + Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file) + ";";
        } catch (IOException e) {
            return dir.relativize(file) + "@absent;";
        }
    }
}
