package io.convserve.system;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Stops the start when a setting is given under a name it no longer has: Spring ignores unknown keys, so the old name
 * would silently leave the default in force (a request limit the operator believes raised).
 */
@Component
class RenamedProperties {

    static final Map<String, String> RENAMED = Map.of(
            "inference.max-request-bytes", "inference.limits.max-request-bytes",
            "inference.max-response-values", "inference.limits.max-response-values",
            "inference.max-image-side", "inference.limits.max-image-side",
            "inference.max-image-pixels", "inference.limits.max-image-pixels");

    RenamedProperties(Environment environment) {
        List<String> found = RENAMED.keySet().stream().filter(environment::containsProperty).sorted().toList();
        if (!found.isEmpty()) {
            throw new IllegalStateException("renamed settings: " + found.stream()
                    .map(old -> old + " is now " + RENAMED.get(old)).collect(Collectors.joining("; ")));
        }
    }
}
