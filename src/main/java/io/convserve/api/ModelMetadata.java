package io.convserve.api;

import io.convserve.model.Shape;
import io.convserve.serving.InferenceRequests;
import java.util.List;

/** Tensor shapes as the v2 protocol shows them: the batch dimension as -1. */
final class ModelMetadata {

    private ModelMetadata() {
    }

    static List<Long> withDynamicBatch(Shape shape) {
        return InferenceRequests.withDynamicBatch(shape);
    }
}
