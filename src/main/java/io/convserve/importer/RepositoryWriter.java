package io.convserve.importer;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelLoadException;
import io.convserve.registry.ModelLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts an imported model into the repository layout of docs/model-format.md, {@code <repo>/<name>/model.json} and
 * {@code <repo>/<name>/<version>/weights.npz}, safely:
 * <ol>
 * <li>the files are written to a hidden staging folder inside the repository (the registry ignores names starting
 * with '.') and loaded there with the real {@link ModelLoader}, so a model that would not load never reaches the
 * model folder;</li>
 * <li>the model's existing model.json and version folder are moved aside, the new ones moved in;</li>
 * <li>{@link Installation#commit()} deletes what was moved aside, {@link Installation#rollback()} puts it back.</li>
 * </ol>
 * Names and versions are checked before any path is built, so neither can leave the repository folder.
 */
public final class RepositoryWriter {

    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    private final JsonMapper mapper = JsonMapper.builder().build();

    /** What {@link #install} changed, to keep or to undo. */
    public interface Installation {
        /** The new version, as loaded by the real loader from the staging folder. */
        LoadedModel verified();

        void commit();

        void rollback();
    }

    public static void checkName(String name) {
        if (name == null || !ModelLoader.MODEL_NAME.matcher(name).matches()) {
            throw new ImportException("invalid model name '" + name + "': use 1 to 128 letters, digits, '.', '_' and "
                    + "'-', not starting with '.' or '-'");
        }
    }

    public static void checkVersion(String version) {
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new ImportException("invalid version '" + version + "': a positive integer without leading zeros "
                    + "(the name of a numeric version folder)");
        }
    }

    /**
     * Writes and verifies the model, then moves it into {@code <repository>/<name>}. When model.json already exists
     * with other layers and other version folders exist, those versions would stop loading: that needs
     * {@code replace}, which then removes the other version folders too.
     */
    public Installation install(ImportedModel model, Path repository, String name, String version, boolean replace) {
        checkName(name);
        checkVersion(version);
        Path repo = repository.toAbsolutePath().normalize();
        if (!Files.isDirectory(repo)) {
            throw new ImportException("repository " + repo + " is not a directory");
        }
        Path modelDir = repo.resolve(name);
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("format_version", 1);
        definition.put("name", name);
        definition.putAll(model.definition());
        definition.put("name", name);
        Path staging = repo.resolve(".import-" + UUID.randomUUID());
        Path backup = repo.resolve(".backup-" + UUID.randomUUID());
        try {
            Path stagedModel = staging.resolve(name);
            Files.createDirectories(stagedModel.resolve(version));
            byte[] json = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(definition);
            Files.write(stagedModel.resolve("model.json"), json);
            try (OutputStream out = Files.newOutputStream(stagedModel.resolve(version).resolve("weights.npz"))) {
                NpzWriter.write(model.weights(), out);
            }
            LoadedModel verified;
            try {
                verified = new ModelLoader().load(stagedModel, version);
            } catch (ModelLoadException e) {
                throw new ImportException("the imported model does not load: " + e.getMessage(), e);
            }
            List<Path> others = otherVersions(modelDir, version);
            Path existingJson = modelDir.resolve("model.json");
            if (!replace && !others.isEmpty() && Files.isRegularFile(existingJson)
                    && !sameArchitecture(Files.readAllBytes(existingJson), json)) {
                throw new ImportException("model '" + name + "' has version folders " + others.stream()
                        .map(p -> p.getFileName().toString()).toList() + " whose model.json describes other layers or "
                        + "another input; importing version " + version + " would make them unloadable. Import under "
                        + "a new model name, or replace the model (CLI --replace, load parameter \"replace\": true)");
            }
            Files.createDirectories(backup);
            Files.createDirectories(modelDir);
            boolean hadJson = move(existingJson, backup.resolve("model.json"));
            boolean hadVersion = move(modelDir.resolve(version), backup.resolve(version));
            if (replace) {
                for (Path other : others) {
                    move(other, backup.resolve(other.getFileName().toString()));
                }
            }
            Files.move(stagedModel.resolve("model.json"), existingJson, StandardCopyOption.ATOMIC_MOVE);
            Files.move(stagedModel.resolve(version), modelDir.resolve(version), StandardCopyOption.ATOMIC_MOVE);
            deleteTree(staging);
            return new Installation() {
                @Override
                public LoadedModel verified() {
                    return verified;
                }

                @Override
                public void commit() {
                    deleteTree(backup);
                }

                @Override
                public void rollback() {
                    try {
                        deleteTree(modelDir.resolve(version));
                        Files.deleteIfExists(existingJson);
                        try (Stream<Path> saved = Files.list(backup)) {
                            for (Path p : saved.toList()) {
                                Files.move(p, modelDir.resolve(p.getFileName().toString()),
                                        StandardCopyOption.ATOMIC_MOVE);
                            }
                        }
                        deleteTree(backup);
                        if (!hadJson && !hadVersion) {
                            try (Stream<Path> left = Files.list(modelDir)) {
                                if (left.findAny().isEmpty()) {
                                    Files.deleteIfExists(modelDir);
                                }
                            }
                        }
                    } catch (IOException e) {
                        throw new ImportException("could not restore model '" + name + "' from " + backup + ": "
                                + e.getMessage(), e);
                    }
                }
            };
        } catch (IOException e) {
            throw new ImportException("cannot write model '" + name + "' version " + version + " into " + repo + ": "
                    + e.getMessage(), e);
        } finally {
            deleteTree(staging);
        }
    }

    private boolean sameArchitecture(byte[] a, byte[] b) {
        Map<?, ?> x = mapper.readValue(a, Map.class);
        Map<?, ?> y = mapper.readValue(b, Map.class);
        return java.util.Objects.equals(x.get("layers"), y.get("layers"))
                && java.util.Objects.equals(x.get("input"), y.get("input"));
    }

    private static List<Path> otherVersions(Path modelDir, String version) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(modelDir)) {
            return children.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().matches("[0-9]{1,18}"))
                    .filter(p -> !p.getFileName().toString().equals(version)).sorted().toList();
        }
    }

    private static boolean move(Path from, Path to) throws IOException {
        if (!Files.exists(from)) {
            return false;
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort: a leftover hidden folder is ignored by the registry
        }
    }
}
