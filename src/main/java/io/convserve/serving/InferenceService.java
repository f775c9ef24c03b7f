package io.convserve.serving;

import io.convserve.registry.LoadedModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.springframework.stereotype.Service;

/**
 * Runs a batch through a loaded model version. The version object is the one the request resolved, so a
 * request finishes on the version that accepted it.
 */
@Service
public class InferenceService {

    /** Forward pass of a float32 batch {@code [N, ...input]}; returns {@code [N, ...output]}. */
    public INDArray infer(LoadedModel model, INDArray batch) {
        return model.network().forward(batch);
    }
}
