package io.convserve.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns a model file of another framework (a version folder's {@code model.onnx}, {@code model.keras},
 * {@code model.h5}) into our definition and weights when the version loads. The registry does not know the formats;
 * the importer implements this and the wiring hands it over.
 */
public interface ModelConverter {

    /** The file names a version folder is searched for, in this order (Triton's default model file names). */
    List<String> DEFAULT_FILES = List.of("model.onnx", "model.keras", "model.h5", "model.hdf5");

    /** A converter for a registry that serves only our own format. */
    ModelConverter NONE = file -> {
        throw new ModelLoadException(file.getFileName() + ": this registry serves only model.json + weights.npz");
    };

    /**
     * Converts one file; its companions (an ONNX model's external data) are read from its folder. Any failure is a
     * {@link ModelLoadException} naming the node or layer and the reason.
     */
    Converted convert(Path file);

    /**
     * The model.json object (layers, input, output, and what the file tells about preprocessing), the weights by
     * entry name, and notes on what the conversion did.
     */
    record Converted(Map<String, Object> definition, Map<String, INDArray> weights, List<String> notes) {
    }

    /** The format a model file name stands for: {@code onnx}, {@code keras}, or null when it is none of ours. */
    static String format(String fileName) {
        String lower = fileName.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".onnx")) {
            return "onnx";
        }
        if (lower.endsWith(".keras") || lower.endsWith(".h5") || lower.endsWith(".hdf5")) {
            return "keras";
        }
        return null;
    }
}
