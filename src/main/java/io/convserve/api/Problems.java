package io.convserve.api;

import io.convserve.serving.PathRedaction;
import java.net.URI;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * Error bodies: RFC 9457 fields plus {@code error}, the string Triton's and KServe's clients read. The one place that
 * makes them: Spring MVC's answers go through {@link #response}, the servlet filters' and Tomcat's through
 * {@link #json}.
 */
@org.springframework.stereotype.Component
public final class Problems {

    static final String TYPE_BASE = "https://convserve.io/problems/";

    private final PathRedaction redaction;

    public Problems(PathRedaction redaction) {
        this.redaction = redaction;
    }

    /** The message with the service's folders replaced by their names ({@code <repository>}, {@code <tmp>}). */
    String redacted(String message) {
        return redaction.redact(message);
    }

    ProblemDetail of(HttpStatusCode status, String rawDetail) {
        String detail = redacted(rawDetail);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + status.value()));
        problem.setProperty("error", detail);
        return problem;
    }

    /** {@link #of}'s fields as one JSON object, for writers outside Spring MVC (servlet filters, Tomcat's valve). */
    public String json(int status, String rawDetail) {
        ProblemDetail problem = of(HttpStatusCode.valueOf(status), rawDetail);
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", problem.getType().toString());
        body.put("title", problem.getTitle() == null ? "Error" : problem.getTitle());
        body.put("status", status);
        body.put("detail", problem.getDetail());
        body.put("error", problem.getDetail());
        return JSON.writeValueAsString(body);
    }

    private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder()
            .build();

    ResponseEntity<Object> response(HttpStatusCode status, String detail) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(of(status, detail));
    }
}
