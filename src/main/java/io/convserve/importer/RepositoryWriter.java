package io.convserve.importer;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelLoadException;
import io.convserve.registry.ModelLoader;
import io.convserve.registry.RepositoryTransaction;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts an imported model into the repository layout of docs/model-format.md, {@code <repo>/<name>/model.json} and
 * {@code <repo>/<name>/<version>/weights.npz}, safely, in one {@link RepositoryTransaction}:
 * <ol>
 * <li>the files are written to the transaction's hidden staging folder inside the repository (the registry ignores
 * names starting with '.') and loaded there with the real {@link ModelLoader}, so a model that would not load never
 * reaches the model folder;</li>
 * <li>the model's existing model.json and version folder are moved aside, the new ones moved in, by journalled
 * renames that a crash at any point leaves undone or, once committed, done at the next start;</li>
 * <li>{@link Installation#commit()} deletes what was moved aside, {@link Installation#rollback()} puts it back.</li>
 * </ol>
 * Names and versions are checked before any path is built, so neither can leave the repository folder. A full disk
 * is a {@link StorageFullException}, with nothing written.
 */
public final class RepositoryWriter {

    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
    /** Room kept free beyond the files' size: the file system's own blocks, and the journal. */
    private static final long SPARE_BYTES = 1 << 20;

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
        byte[] json = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(definition);
        checkSpace(repo, name, version, json.length + weightBytes(model));
        RepositoryTransaction transaction = null;
        boolean applied = false;
        try {
            transaction = RepositoryTransaction.begin(repo);
            Path stagedModel = transaction.staging().resolve(name);
            Files.createDirectories(stagedModel.resolve(version));
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
            List<Path> replaced = new ArrayList<>();
            replaced.add(existingJson);
            replaced.add(modelDir.resolve(version));
            if (replace) {
                replaced.addAll(others);
            }
            List<RepositoryTransaction.Move> moves = new ArrayList<>();
            for (Path old : replaced) {
                if (Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
                    moves.add(new RepositoryTransaction.Move(old, transaction.aside(repo.relativize(old))));
                }
            }
            moves.add(new RepositoryTransaction.Move(stagedModel.resolve("model.json"), existingJson));
            moves.add(new RepositoryTransaction.Move(stagedModel.resolve(version), modelDir.resolve(version)));
            transaction.apply(moves);
            applied = true;
            RepositoryTransaction installed = transaction;
            return new Installation() {
                @Override
                public LoadedModel verified() {
                    return verified;
                }

                @Override
                public void commit() {
                    try {
                        installed.commit();
                    } catch (IOException e) {
                        throw new ImportException("could not commit model '" + name + "': " + e.getMessage(), e);
                    }
                }

                @Override
                public void rollback() {
                    try {
                        installed.rollback();
                    } catch (IOException e) {
                        throw new ImportException("could not restore model '" + name + "' (the next start will): "
                                + e.getMessage(), e);
                    }
                }
            };
        } catch (IOException e) {
            if (StorageFullException.isFull(e)) {
                throw new StorageFullException("cannot write model '" + name + "' version " + version
                        + ": the repository's file system is full (" + e.getMessage() + "); nothing was changed", e);
            }
            throw new ImportException("cannot write model '" + name + "' version " + version + " into " + repo + ": "
                    + e.getMessage(), e);
        } finally {
            if (transaction != null && !applied) {
                try {
                    transaction.rollback();
                } catch (IOException e) {
                    // nothing was moved yet: only staging files are left, hidden, and the next start deletes them
                }
            }
        }
    }

    /** Refuses before writing when the files cannot fit: a write that fails halfway costs the time to find out. */
    private static void checkSpace(Path repo, String name, String version, long bytes) {
        long usable;
        try {
            usable = Files.getFileStore(repo).getUsableSpace();
        } catch (IOException e) {
            return; // unknown: the write itself will tell
        }
        if (usable < bytes + SPARE_BYTES) {
            throw new StorageFullException("cannot write model '" + name + "' version " + version + ": it needs about "
                    + (bytes + SPARE_BYTES) + " bytes and the repository's file system has " + usable
                    + " free; nothing was changed");
        }
    }

    private static long weightBytes(ImportedModel model) {
        long bytes = 0;
        for (FloatArray a : model.weights().values()) {
            bytes += 4L * a.data().length + 256; // the npy header and zip entry per array
        }
        return bytes;
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
}
