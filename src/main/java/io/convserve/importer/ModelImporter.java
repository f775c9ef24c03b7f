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
        if (!fileName.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return read(content, fileName);
        }
        Path folder = file.toAbsolutePath().getParent();
        return new OnnxImporter().read(content, fileName, location -> {
            Path data = folder.resolve(location).normalize();
            if (!data.getParent().equals(folder.normalize()) || !Files.isRegularFile(data)) {
                return null;
            }
            try {
                return Files.readAllBytes(data);
            } catch (IOException e) {
                return null;
            }
        });
    }

    /** A file's bytes (an upload): no external files. */
    public static ImportedModel read(byte[] content, String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".keras") || lower.endsWith(".h5") || lower.endsWith(".hdf5")) {
            return new KerasImporter().read(content, fileName);
        }
        if (lower.endsWith(".onnx")) {
            return new OnnxImporter().read(content, fileName);
        }
        throw new ImportException("cannot tell the format of '" + fileName + "': expected a file name ending in one of "
                + EXTENSIONS);
    }
}
