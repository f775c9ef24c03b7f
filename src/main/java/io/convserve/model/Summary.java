package io.convserve.model;

import java.util.List;

/** The layer table of an architecture for one input shape and batch size. */
public record Summary(List<Long> inputShape, int batchSize, List<LayerSummary> layers, Totals totals) {

    /** Sums over all layers; parameter bytes at 4 bytes (float32) per parameter. */
    public record Totals(long parameters, long trainableParameters, long nonTrainableParameters,
                         long parameterBytes, long macs, long activationBytes) {
    }

    public List<Long> outputShape() {
        return layers.isEmpty() ? inputShape : layers.get(layers.size() - 1).outputShape();
    }
}
