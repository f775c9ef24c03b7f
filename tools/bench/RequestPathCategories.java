import java.nio.file.Path;
import java.util.*;
import jdk.jfr.consumer.*;

/**
 * Where a lenet5 request's CPU goes (docs/benchmarks.md, "The request path"): the JFR execution samples of Tomcat's
 * request threads and the model's batcher thread, each given to the part of the request path whose frame is
 * nearest the sampled one (generic frames, the JDK's, Jackson's, Spring's utilities, are passed over), with that
 * part's share of the service's CPU per request (the second argument, in microseconds).
 * Usage: java tools/bench/RequestPathCategories.java recording.jfr CPU_US_PER_REQUEST
 */
public class RequestPathCategories {
    static final String[][] MARKERS = {
        {"io.convserve.serving.Batcher", "batcher hand-off (queue, wait, wake-up)"},
        {"InferenceService.infer", "batcher hand-off (queue, wait, wake-up)"},
        {"io.micrometer", "observation, metrics, tracing"},
        {"io.opentelemetry", "observation, metrics, tracing"},
        {"ServerHttpObservationFilter", "observation, metrics, tracing"},
        {"RequestTracing", "observation, metrics, tracing"},
        {"InferenceMetrics", "observation, metrics, tracing"},
        {"InferRequestReader", "reading the request (JSON header, tensors, checks)"},
        {"JsonValueLimit", "reading the request (JSON header, tensors, checks)"},
        {"InferenceRequests", "reading the request (JSON header, tensors, checks)"},
        {"InferResponseWriter", "writing the answer (JSON header, tensors)"},
        {"org.springframework.security", "Spring Security"},
        {"org.springframework.web.servlet", "Spring MVC dispatch"},
        {"org.springframework.web.method", "Spring MVC dispatch"},
        {"org.springframework.http.converter", "Spring MVC dispatch"},
        {"org.springframework.web.filter", "other filters (request id, encoding)"},
        {"RequestIdFilter", "other filters (request id, encoding)"},
        {"org.apache", "Tomcat (HTTP parsing, mapping, response, socket)"},
        {"io.convserve", "infer lane and handler glue (routing, keys, limits, body)"},
    };
    public static void main(String[] a) throws Exception {
        Map<String, Integer> count = new LinkedHashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(a[0]))) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) continue;
            String t = e.getThread("sampledThread").getJavaName();
            if (t == null) continue;
            String cat;
            if (t.startsWith("batcher-")) cat = "forward pass (batcher thread)";
            else if (t.contains("-exec-")) {
                cat = "other";
                for (RecordedFrame f : e.getStackTrace().getFrames()) {
                    String m = f.getMethod().getType().getName() + "." + f.getMethod().getName();
                    String found = null;
                    for (String[] mk : MARKERS) if (m.contains(mk[0])) { found = mk[1]; break; }
                    if (found != null) { cat = found; break; }
                }
            } else continue;
            total++;
            count.merge(cat, 1, Integer::sum);
        }
        double cpu = a.length > 1 ? Double.parseDouble(a[1]) : 0;
        System.out.println("samples " + total);
        System.out.println("| part | share of samples | ≈ µs of CPU per request |");
        System.out.println("|---|---:|---:|");
        final int tt = total;
        count.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).forEach(en ->
            System.out.printf("| %s | %.0f %% | %.0f |%n", en.getKey(), 100.0 * en.getValue() / tt, cpu * en.getValue() / tt));
    }
}
