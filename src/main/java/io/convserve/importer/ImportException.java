package io.convserve.importer;

/** A file that cannot be imported; the message names the layer or node, the rule and the values received. */
public class ImportException extends RuntimeException {

    public ImportException(String message) {
        super(message);
    }

    public ImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
