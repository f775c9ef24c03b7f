package io.convserve.importer;

import io.convserve.registry.ModelConverter;
import io.convserve.registry.ModelLoadException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Lets the registry serve ONNX and Keras files in version folders: the {@code import} command's conversion, in memory. */
public final class FileConverter implements ModelConverter {

    @Override
    public Converted convert(Path file) {
        ImportedModel imported;
        try {
            imported = ModelImporter.read(file);
        } catch (ImportException e) {
            throw new ModelLoadException(file.getFileName() + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> weights = new LinkedHashMap<>();
        imported.weights().forEach((name, array) -> weights.put(name, toNd4j(array)));
        Map<String, Object> definition = new LinkedHashMap<>(imported.definition());
        if (imported.fixedBatch() == 1) {
            // Triton's auto-complete: a graph whose batch is fixed at 1 is served with max_batch_size 0
            definition.put("max_batch_size", 0);
        }
        return new Converted(definition, weights, imported.notes());
    }

    private static INDArray toNd4j(FloatArray array) {
        long[] shape = new long[array.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = array.shape()[i];
        }
        return Nd4j.create(array.data(), shape, DataType.FLOAT);
    }
}
