package io.convserve.importer;

import java.io.IOException;
import java.nio.file.FileSystemException;

/** The repository's file system has no room for a model's files; nothing of them was left behind. */
public final class StorageFullException extends ImportException {

    public StorageFullException(String message) {
        super(message);
    }

    public StorageFullException(String message, Throwable cause) {
        super(message, cause);
    }

    /** ENOSPC or EDQUOT, as the JDK reports them (it has no exception type of its own for either). */
    static boolean isFull(IOException e) {
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return reason != null && (reason.contains("No space left on device") || reason.contains("Disk quota exceeded"));
    }
}
