package io.convserve.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A layer's forward pass, compiled for one input shape with its parameters bound. */
@FunctionalInterface
public interface Operation {

    /** Maps a batch {@code [N, ...input]} to {@code [N, ...output]}. */
    INDArray apply(INDArray x);
}
