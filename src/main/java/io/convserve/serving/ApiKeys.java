package io.convserve.serving;

import io.convserve.registry.RepositoryProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Who may do what with which key ({@link AuthProperties}), for every protocol: model management (repository load
 * and unload, uploads) needs a management key unless the service runs its bundled models or management is
 * configured open; inference and introspection need a key only when inference keys are configured. Keys are
 * compared in constant time.
 */
@Component
public class ApiKeys {

    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

    /** What a request does. */
    public enum Access { OPEN, INFERENCE, MANAGEMENT }

    /** Why a request is refused: no key sent, a key that is not accepted, or management disabled altogether. */
    public enum Refusal { MISSING, WRONG, DISABLED }

    private final List<byte[]> managementKeys;
    private final List<byte[]> inferenceKeys;
    private final boolean managementOpen;

    public ApiKeys(AuthProperties auth, RepositoryProperties repository) {
        this.managementKeys = auth.managementKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.inferenceKeys = auth.inferenceKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.managementOpen = auth.management().equals("open") || auth.management().equals("auto") && repository.bundled();
        log.info("auth: model management {}, inference {}", managementOpen ? "open"
                        : managementKeys.isEmpty() ? "disabled (no inference.auth.management-keys)" : "needs a key",
                inferenceKeys.isEmpty() ? "open" : "needs a key");
    }

    /** The refusal of a request of {@code access} that presented {@code key} (null: none), or null if allowed. */
    public Refusal check(Access access, String key) {
        if (access == Access.MANAGEMENT && !managementOpen) {
            return managementKeys.isEmpty() ? Refusal.DISABLED : match(key, managementKeys);
        }
        if (access != Access.OPEN && !inferenceKeys.isEmpty()) {
            List<byte[]> any = new ArrayList<>(inferenceKeys);
            any.addAll(managementKeys);
            return match(key, any);
        }
        return null;
    }

    /** Whether {@code key} (null: none) is a management key, whatever the request: its holder may see health details. */
    public boolean isManagementKey(String key) {
        return key != null && !managementKeys.isEmpty() && match(key, managementKeys) == null;
    }

    /** What a refused request needed, for its error message. */
    public static String needed(Access access) {
        return access == Access.MANAGEMENT ? "a management key" : "an API key";
    }

    /** The message for model management that no key can open. */
    public static final String DISABLED_MESSAGE = "model management is disabled: no management key is configured "
            + "(set inference.auth.management-keys, or inference.auth.management=open on a trusted network)";

    private static Refusal match(String key, List<byte[]> accepted) {
        if (key == null) {
            return Refusal.MISSING;
        }
        byte[] presented = key.strip().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] k : accepted) {
            match |= MessageDigest.isEqual(k, presented);
        }
        return match ? null : Refusal.WRONG;
    }
}
