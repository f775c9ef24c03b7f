package io.convserve.model;

/**
 * An architecture that cannot work: a layer whose rule fails for the shape it receives
 * (well-formed but impossible, HTTP 422). The message names the layer, the rule and every value.
 */
public class ArchitectureException extends RuntimeException {

    public ArchitectureException(String message) {
        super(message);
    }
}
