package io.convserve.system;

import java.io.IOException;
import java.io.Writer;
import io.convserve.api.Problems;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's own error answers (a request it refuses before any servlet sees it: an encoded {@code /} or {@code \} in
 * the path, a NUL byte, a malformed request line) as the same RFC 9457 + {@code error} JSON as every other error
 * (docs/design.md#errors), instead of Tomcat's HTML page. No stack trace, no server version.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    private final Problems problems;

    JsonErrorReportValve(Problems problems) {
        this.problems = problems;
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        HttpStatus known = HttpStatus.resolve(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        String detail = status == 400
                ? "the request was refused before routing: its path or header is malformed (an encoded '/' or '\\', a "
                + "NUL byte or an invalid character)"
                : title;
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(problems.json(status, detail));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away; nothing more to say
        }
    }
}
