package io.convserve.system;

import io.convserve.api.Problems;
import org.springframework.stereotype.Component;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Error bodies written by filters, before Spring MVC: {@link Problems}' JSON, as the controllers answer. */
@Component
final class ProblemResponses {

    private final Problems problems;

    ProblemResponses(Problems problems) {
        this.problems = problems;
    }

    void write(HttpServletResponse response, int status, String message) throws IOException {
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.getOutputStream().write(problems.json(status, message).getBytes(StandardCharsets.UTF_8));
    }
}
