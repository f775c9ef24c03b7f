package io.convserve.registry;

/** A model or version that could not be loaded; the message names the file and what was wrong. */
public class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
