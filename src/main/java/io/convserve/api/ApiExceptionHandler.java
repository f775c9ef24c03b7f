package io.convserve.api;

import io.convserve.model.ArchitectureException;
import io.convserve.model.LayerConfigException;
import io.convserve.registry.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.boot.servlet.autoconfigure.MultipartProperties;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place that maps exceptions to statuses (docs/design.md#errors): domain errors to 400/404/422, Spring's own
 * (404, 405, 413, 415, unreadable bodies) to the same JSON shape, anything else to a 500 without internals.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    private final String multipartLimits;
    private final Problems problems;

    ApiExceptionHandler(org.springframework.beans.factory.ObjectProvider<MultipartProperties> multipart,
                        Problems problems) {
        this.problems = problems;
        MultipartProperties m = multipart.getIfAvailable(MultipartProperties::new);
        this.multipartLimits = multipartLimits(m);
    }

    /** The multipart limits as a sentence part, e.g. "16777216 bytes per file (spring.servlet.multipart.max-file-size)". */
    static String multipartLimits(MultipartProperties m) {
        return "the limits are " + bytes(m.getMaxRequestSize()) + " bytes per request "
                + "(spring.servlet.multipart.max-request-size) and " + bytes(m.getMaxFileSize()) + " bytes per file "
                + "(spring.servlet.multipart.max-file-size)";
    }

    private static long bytes(org.springframework.util.unit.DataSize size) {
        return size == null ? -1 : size.toBytes();
    }

    /** A body that grew past inference.limits.max-request-bytes while a controller read it (chunked or gzip). */
    @ExceptionHandler(RequestTooLargeException.class)
    ResponseEntity<Object> tooLarge(RequestTooLargeException e) {
        return problems.response(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
    }

    /** A multipart body without a boundary, cut short or otherwise unparsable; over a limit: 413. */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> multipart(MultipartException e) {
        RequestTooLargeException tooLarge = causeOfType(e, RequestTooLargeException.class);
        if (tooLarge != null) {
            return tooLarge(tooLarge);
        }
        if (e instanceof MaxUploadSizeExceededException
                || causeOfType(e, org.apache.tomcat.util.http.fileupload.impl.SizeException.class) != null) {
            return uploadTooLarge(e);
        }
        Throwable cause = e.getMostSpecificCause();
        String why = cause == e || cause.getMessage() == null ? e.getMessage()
                : cause.getMessage().lines().findFirst().orElse("");
        return problems.response(HttpStatus.BAD_REQUEST, "multipart request body is malformed: " + why
                + "; expected multipart/form-data with a boundary parameter and a file field 'data'");
    }

    private ResponseEntity<Object> uploadTooLarge(Exception e) {
        Throwable cause = e instanceof org.springframework.core.NestedRuntimeException n ? n.getMostSpecificCause() : e;
        String received = cause == e || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
        return problems.response(HttpStatus.CONTENT_TOO_LARGE, "multipart request body is too large" + received
                + "; " + multipartLimits);
    }

    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(MaxUploadSizeExceededException ex,
                                                                          HttpHeaders headers, HttpStatusCode status,
                                                                          WebRequest request) {
        return uploadTooLarge(ex);
    }

    static <T extends Throwable> T causeOfType(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** A request the serving layer's checks refused (the same checks as over gRPC). */
    @ExceptionHandler(io.convserve.serving.InferenceRequests.InvalidRequestException.class)
    ResponseEntity<Object> invalid(io.convserve.serving.InferenceRequests.InvalidRequestException e) {
        HttpStatus status = switch (e.kind()) {
            case INVALID -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
        };
        return problems.response(status, e.getMessage());
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Object> api(ApiException e) {
        return problems.response(e.status(), e.getMessage());
    }

    /** A full queue: refused at once, nothing computed; Retry-After tells clients when to come back. */
    @ExceptionHandler(io.convserve.serving.Batcher.OverloadedException.class)
    ResponseEntity<Object> overloaded(RuntimeException e) {
        ResponseEntity<Object> problem = problems.response(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        return ResponseEntity.status(problem.getStatusCode()).headers(problem.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, "1").body(problem.getBody());
    }

    /** The request's deadline passed while it was queued: not computed. */
    @ExceptionHandler(io.convserve.serving.Batcher.TimedOutException.class)
    ResponseEntity<Object> timedOut(RuntimeException e) {
        return problems.response(HttpStatus.GATEWAY_TIMEOUT, e.getMessage());
    }

    @ExceptionHandler(ArchitectureException.class)
    ResponseEntity<Object> impossible(ArchitectureException e) {
        return problems.response(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
    }

    @ExceptionHandler({LayerConfigException.class, ModelLoadException.class})
    ResponseEntity<Object> malformed(RuntimeException e) {
        return problems.response(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    /** A JSON value of the wrong type that a reader did not check first: still the client's mistake. */
    @ExceptionHandler(tools.jackson.databind.exc.JsonNodeException.class)
    ResponseEntity<Object> wrongJsonType(RuntimeException e) {
        log.warn("unchecked JSON value type reached the handler: {}", e.getMessage());
        return problems.response(HttpStatus.BAD_REQUEST, "a JSON value has the wrong type: "
                + e.getMessage().lines().findFirst().orElse(""));
    }

    @ExceptionHandler(ArithmeticException.class)
    ResponseEntity<Object> overflow(ArithmeticException e) {
        return problems.response(HttpStatus.UNPROCESSABLE_CONTENT,
                "the requested shape is too large: a size or count overflows 64-bit arithmetic (" + e.getMessage() + ")");
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> bug(Exception e) {
        RequestTooLargeException tooLarge = causeOfType(e, RequestTooLargeException.class);
        if (tooLarge != null) {
            return tooLarge(tooLarge);
        }
        log.error("unhandled error", e);
        return problems.response(HttpStatus.INTERNAL_SERVER_ERROR, "internal error: " + e.getClass().getSimpleName());
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        RequestTooLargeException tooLarge = causeOfType(ex, RequestTooLargeException.class);
        if (tooLarge != null) {
            return tooLarge(tooLarge);
        }
        String cause = ex.getMostSpecificCause().getMessage();
        String first = cause == null ? "" : cause.lines().findFirst().orElse("");
        return problems.response(HttpStatus.BAD_REQUEST, "request body is not valid JSON: " + first);
    }

    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(
            org.springframework.web.servlet.resource.NoResourceFoundException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return problems.response(HttpStatus.NOT_FOUND, "no route for " + ex.getHttpMethod() + " /"
                + ex.getResourcePath() + "; the routes are listed at /v3/api-docs");
    }

    /** Spring's own errors keep their status and detail, and gain {@code error}. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            String detail = problem.getDetail() != null ? problem.getDetail() : problem.getTitle();
            problem.setProperty("error", detail);
            problem.setType(java.net.URI.create(Problems.TYPE_BASE + statusCode.value()));
        }
        return response;
    }
}
