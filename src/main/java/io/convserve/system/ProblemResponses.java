package io.convserve.system;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;

/** Error bodies written by filters, before Spring MVC: the same RFC 9457 + {@code error} JSON as the controllers'. */
final class ProblemResponses {

    private ProblemResponses() {
    }

    static void write(HttpServletResponse response, int status, String message) throws IOException {
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("application/problem+json");
        String escaped = message.replace("\\", "\\\\").replace("\"", "\\\"");
        HttpStatus known = HttpStatus.resolve(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        response.getOutputStream().write(("{\"type\":\"https://convserve.io/problems/" + status + "\",\"title\":\""
                + title + "\",\"status\":" + status + ",\"detail\":\"" + escaped + "\",\"error\":\"" + escaped + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }
}
