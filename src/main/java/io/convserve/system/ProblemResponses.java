package io.convserve.system;

import io.convserve.api.Problems;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Error bodies written by filters, before Spring MVC: {@link Problems}' JSON, as the controllers answer. */
final class ProblemResponses {

    private ProblemResponses() {
    }

    static void write(HttpServletResponse response, int status, String message) throws IOException {
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.getOutputStream().write(Problems.json(status, message).getBytes(StandardCharsets.UTF_8));
    }
}
