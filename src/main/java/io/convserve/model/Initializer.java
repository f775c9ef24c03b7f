package io.convserve.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded weights for an architecture-only model: He-normal kernels ({@code std = sqrt(2 / fan_in)}), zero
 * biases, batch norm gamma 1, beta 0, moving mean 0, moving variance 1. Real shapes and speed, meaningless
 * predictions.
 */
public final class Initializer {

    public static final String HE_NORMAL = "he_normal";

    private Initializer() {
    }

    /** Arrays keyed {@code <layer>.<param>}, as a weights.npz would hold them. */
    public static Map<String, INDArray> heNormal(Architecture architecture, long seed) {
        Map<String, INDArray> arrays = new HashMap<>();
        Random random = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        List<Shape> shapes = architecture.shapes(architecture.inputShape());
        for (Layer layer : architecture.layers()) {
            for (ParameterSpec p : layer.parameters(shapes.get(layer.index()))) {
                long[] dims = p.shape().withBatch(1);
                long[] shape = java.util.Arrays.copyOfRange(dims, 1, dims.length);
                INDArray array = switch (p.name()) {
                    case "weight" -> {
                        long fanIn = p.shape().elements() / p.shape().dim(0);
                        yield Nd4j.randn(0.0, Math.sqrt(2.0 / fanIn), shape, random);
                    }
                    case "gamma", "moving_variance" -> Nd4j.ones(DataType.FLOAT, shape);
                    default -> Nd4j.zeros(DataType.FLOAT, shape);
                };
                arrays.put(layer.name() + "." + p.name(), array);
            }
        }
        return arrays;
    }
}
