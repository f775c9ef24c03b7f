package io.convserve.api;

import java.io.IOException;

/** A request body that grew past a configured limit while it was read (e.g. once decompressed). */
public class RequestTooLargeException extends IOException {

    public RequestTooLargeException(String message) {
        super(message);
    }
}
