package io.convserve.grpc;

import io.convserve.registry.ModelLoadException;
import io.convserve.serving.Batcher;
import io.convserve.serving.InferenceRequests.InvalidRequestException;
import io.convserve.serving.InferenceService;
import io.convserve.serving.PathRedaction;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC status codes for the serving layer's failures, as HTTP's exception handler maps them to HTTP statuses:
 * a request to change is INVALID_ARGUMENT, NOT_FOUND or RESOURCE_EXHAUSTED; a full queue or a closing service
 * UNAVAILABLE; a deadline that passed in the queue DEADLINE_EXCEEDED (not computed). INTERNAL only for a failure
 * of the engine or a bug, never for bad input.
 */
final class Statuses {

    private static final Logger log = LoggerFactory.getLogger(Statuses.class);

    private Statuses() {
    }

    static StatusRuntimeException of(RuntimeException e, PathRedaction redaction) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        Status status;
        if (e instanceof InvalidRequestException invalid) {
            status = switch (invalid.kind()) {
                case INVALID -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
            };
        } else if (e instanceof Batcher.OverloadedException) {
            status = Status.UNAVAILABLE;
        } else if (e instanceof Batcher.TimedOutException) {
            status = Status.DEADLINE_EXCEEDED;
        } else if (e instanceof ModelLoadException) {
            status = Status.INVALID_ARGUMENT;
        } else if (e instanceof ArithmeticException) {
            status = Status.INVALID_ARGUMENT;
            return status.withDescription("the requested shape is too large: a size or count overflows 64-bit "
                    + "arithmetic (" + e.getMessage() + ")").asRuntimeException();
        } else if (e instanceof InferenceService.BackendException) {
            log.warn("backend failure over gRPC: {}", e.getMessage());
            status = Status.INTERNAL;
        } else {
            log.error("unhandled error over gRPC", e);
            return Status.INTERNAL.withDescription("internal error: " + e.getClass().getSimpleName())
                    .asRuntimeException();
        }
        return status.withDescription(redaction.redact(e.getMessage())).asRuntimeException();
    }
}
