package io.convserve.importer;

import java.util.List;
import java.util.Map;

/**
 * An imported network in our format: the {@code model.json} object (without {@code name}, which the repository
 * folder gives) and the arrays of {@code weights.npz} by entry name ({@code conv1.weight}, ...), already in our
 * layouts; {@code notes} says what the conversion did that a user should know; {@code fixedBatch} is the batch size
 * the file fixes its input to (an ONNX export without a symbolic batch), 0 when the batch is free.
 */
public record ImportedModel(Map<String, Object> definition, Map<String, FloatArray> weights, List<String> notes,
                            long fixedBatch) {

    public ImportedModel(Map<String, Object> definition, Map<String, FloatArray> weights, List<String> notes) {
        this(definition, weights, notes, 0);
    }

    public ImportedModel withFixedBatch(long batch) {
        return new ImportedModel(definition, weights, notes, batch);
    }
}
