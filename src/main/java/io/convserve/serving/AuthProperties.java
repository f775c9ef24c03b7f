package io.convserve.serving;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may change the models, and who may use them ({@code inference.auth.*}). Keys are sent as
 * {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}.
 *
 * @param management     {@code auto} (default): management is open when the service runs its bundled models (the
 *                       local profile, no {@code inference.repository}) and needs a management key otherwise;
 *                       {@code keys}: always needs one; {@code open}: never (for a trusted network only)
 * @param managementKeys keys accepted by the repository load and unload routes (upload included)
 * @param inferenceKeys  when not empty, inference and introspection need one of these keys (or a management key);
 *                       empty: they are open
 */
@ConfigurationProperties("inference.auth")
public record AuthProperties(List<String> managementKeys, String management, List<String> inferenceKeys) {

    public AuthProperties {
        managementKeys = managementKeys == null ? List.of() : managementKeys.stream().filter(k -> !k.isBlank()).toList();
        inferenceKeys = inferenceKeys == null ? List.of() : inferenceKeys.stream().filter(k -> !k.isBlank()).toList();
        management = management == null || management.isBlank() ? "auto" : management.strip();
        if (!List.of("auto", "keys", "open").contains(management)) {
            throw new IllegalArgumentException("inference.auth.management must be auto, keys or open. Received: "
                    + management);
        }
    }
}
