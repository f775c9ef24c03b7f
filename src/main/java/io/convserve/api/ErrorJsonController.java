package io.convserve.api;

import io.convserve.serving.LimitsProperties;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised outside Spring MVC (the servlet container's 400/413, a failed filter) in the same JSON shape,
 * never an HTML page or a stack trace.
 */
@RestController
@io.swagger.v3.oas.annotations.Hidden
class ErrorJsonController implements ErrorController {

    private final String tooLarge;
    private final Problems problems;

    ErrorJsonController(Problems problems, LimitsProperties limits,
                        org.springframework.beans.factory.ObjectProvider<
                                org.springframework.boot.servlet.autoconfigure.MultipartProperties> multipart,
                        org.springframework.core.env.Environment environment) {
        org.springframework.util.unit.DataSize form = environment.getProperty("server.tomcat.max-http-form-post-size",
                org.springframework.util.unit.DataSize.class, org.springframework.util.unit.DataSize.ofMegabytes(2));
        this.problems = problems;
        this.tooLarge = "request body is too large: the limit is " + limits.maxRequestBytes() + " bytes "
                + "(inference.limits.max-request-bytes); for multipart bodies "
                + ApiExceptionHandler.multipartLimits(multipart.getIfAvailable(
                        org.springframework.boot.servlet.autoconfigure.MultipartProperties::new))
                + "; for form bodies " + form.toBytes() + " bytes (server.tomcat.max-http-form-post-size)";
    }

    /** What a 413 raised by the container says: every limit that may have been passed, with its value. */
    String tooLargeDetail() {
        return tooLarge;
    }

    @RequestMapping("/error")
    ResponseEntity<Object> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer i && HttpStatus.resolve(i) != null
                ? HttpStatus.valueOf(i) : HttpStatus.INTERNAL_SERVER_ERROR;
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String detail = status == HttpStatus.PAYLOAD_TOO_LARGE
                ? tooLarge
                : status.getReasonPhrase() + (uri != null ? ": " + uri : "");
        return problems.response(status, detail);
    }
}
