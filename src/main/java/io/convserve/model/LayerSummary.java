package io.convserve.model;

import java.util.List;
import java.util.Map;

/**
 * One row of a model summary (docs/design.md#introspection). Shapes carry the batch dimension first; parameter and MAC
 * counts are per model (MACs per batch), activation bytes are the float32 output of the whole batch.
 */
public record LayerSummary(int index, String name, String type, Map<String, Object> config,
                           List<Long> inputShape, List<Long> outputShape,
                           long parameters, long trainableParameters, long nonTrainableParameters,
                           Map<String, List<Long>> parameterShapes, long macs, long activationBytes) {
}
