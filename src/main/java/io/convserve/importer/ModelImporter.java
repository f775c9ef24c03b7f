package io.convserve.importer;

import java.util.Locale;

/** Picks the importer for a file: Keras for {@code .keras} and {@code .h5}, ONNX for {@code .onnx}. */
public final class ModelImporter {

    /** File name endings that can be imported. */
    public static final java.util.List<String> EXTENSIONS = java.util.List.of(".keras", ".h5", ".hdf5", ".onnx");

    private ModelImporter() {
    }

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
