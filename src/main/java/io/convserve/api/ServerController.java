package io.convserve.api;

import io.convserve.serving.ServerInfo;
import io.convserve.registry.ModelRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Server metadata and health of the Open Inference Protocol. */
@RestController
@Tag(name = "server", description = "Server metadata and health (v2)")
class ServerController {

    record ServerMetadata(String name, String version, List<String> extensions) {
    }

    private final ModelRegistry registry;
    private final String version;
    private final Problems problems;

    /** The version is the build's (META-INF/build-info.properties, written by the Maven build). */
    ServerController(ModelRegistry registry, ObjectProvider<BuildProperties> build, Problems problems) {
        this.registry = registry;
        this.problems = problems;
        BuildProperties info = build.getIfAvailable();
        this.version = info == null ? "unknown" : info.getVersion();
    }

    @GetMapping("/v2")
    @Operation(summary = "Server metadata", description = "Name, version and the protocol extensions implemented.")
    ServerMetadata metadata() {
        return new ServerMetadata(ServerInfo.NAME, version, ServerInfo.EXTENSIONS);
    }

    @GetMapping("/v2/health/live")
    @Operation(summary = "Liveness", description = "200 while the process can answer requests.")
    Map<String, Boolean> live() {
        return Map.of("live", true);
    }

    @GetMapping("/v2/health/ready")
    @Operation(summary = "Readiness", description = "200 when every model of the repository is loaded and warmed, else 503 with the reasons.")
    ResponseEntity<Map<String, Object>> ready() {
        Map<String, String> unavailable = registry.unavailable();
        if (unavailable.isEmpty()) {
            return ResponseEntity.ok(Map.of("ready", true));
        }
        // the RFC 9457 fields of every other error (docs/design.md#errors), plus Triton's "ready"
        org.springframework.http.ProblemDetail problem = problems.of(HttpStatus.SERVICE_UNAVAILABLE,
                "models not available: " + unavailable);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", problem.getType().toString());
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        body.put("error", problem.getDetail());
        body.put("ready", false);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }
}
