package io.convserve.api;

import java.net.URI;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** Error bodies: RFC 9457 fields plus {@code error}, the string Triton's and KServe's clients read. */
final class Problems {

    static final String TYPE_BASE = "https://convserve.io/problems/";

    private Problems() {
    }

    static ProblemDetail of(HttpStatusCode status, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + status.value()));
        problem.setProperty("error", detail);
        return problem;
    }

    static ResponseEntity<Object> response(HttpStatusCode status, String detail) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(of(status, detail));
    }
}
