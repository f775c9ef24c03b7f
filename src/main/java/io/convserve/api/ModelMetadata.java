package io.convserve.api;

import io.convserve.model.Shape;
import java.util.ArrayList;
import java.util.List;

/** Tensor shapes as the v2 protocol shows them: the batch dimension as -1. */
final class ModelMetadata {

    private ModelMetadata() {
    }

    static List<Long> withDynamicBatch(Shape shape) {
        List<Long> out = new ArrayList<>();
        out.add(-1L);
        for (int d : shape.dims()) {
            out.add((long) d);
        }
        return out;
    }
}
