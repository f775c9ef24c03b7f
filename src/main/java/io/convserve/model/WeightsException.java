package io.convserve.model;

/** Weights that do not fit the architecture: a missing, extra, mis-shaped or non-finite array. */
public class WeightsException extends RuntimeException {

    public WeightsException(String message) {
        super(message);
    }
}
