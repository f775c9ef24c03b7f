package io.convserve.model;

/**
 * A layer description that is malformed: unknown type or field, wrong value type, missing required
 * field (bad input, HTTP 400). The message names the layer and the field.
 */
public class LayerConfigException extends RuntimeException {

    public LayerConfigException(String message) {
        super(message);
    }
}
