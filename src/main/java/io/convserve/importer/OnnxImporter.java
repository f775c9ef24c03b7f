package io.convserve.importer;

/** ONNX models to our layer stack. */
public final class OnnxImporter {

    public ImportedModel read(byte[] content, String fileName) {
        throw new ImportException("ONNX import is not implemented yet");
    }
}
