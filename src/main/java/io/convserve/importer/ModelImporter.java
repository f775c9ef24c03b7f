package io.convserve.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Picks the importer for a file: Keras for {@code .keras} and {@code .h5}, ONNX for {@code .onnx}. */
public final class ModelImporter {

    /** File name endings that can be imported. */
    public static final java.util.List<String> EXTENSIONS = java.util.List.of(".keras", ".h5", ".hdf5", ".onnx");

    private ModelImporter() {
    }

    /**
     * A file on disk; an ONNX model's external weight files (torch.onnx's {@code model.onnx.data}) are read from its
     * folder, by plain file names only.
     */
    public static ImportedModel read(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ImportException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String fileName = file.getFileName().toString();
        Path folder = file.toAbsolutePath().getParent();
        return read(content, fileName, location -> {
            Path data = folder.resolve(location).normalize();
            if (!folder.normalize().equals(data.getParent()) || !Files.isRegularFile(data)) {
                return null;
            }
            try {
                return Files.readAllBytes(data);
            } catch (IOException e) {
                return null;
            }
        });
    }

    /** A file's bytes (an upload) with no files beside it. */
    public static ImportedModel read(byte[] content, String fileName) {
        return read(content, fileName, location -> null);
    }

    /**
     * A file's bytes with the files that came with it ({@code companions}: a plain file name to its bytes, or null),
     * which an ONNX model's external weights are read from.
     */
    public static ImportedModel read(byte[] content, String fileName,
                                     java.util.function.Function<String, byte[]> companions) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".keras") || lower.endsWith(".h5") || lower.endsWith(".hdf5")) {
            return new KerasImporter().read(content, fileName);
        }
        if (lower.endsWith(".onnx")) {
            return new OnnxImporter().read(content, fileName, companions);
        }
        throw new ImportException("cannot tell the format of '" + fileName + "': expected a file name ending in one of "
                + EXTENSIONS);
    }
}
