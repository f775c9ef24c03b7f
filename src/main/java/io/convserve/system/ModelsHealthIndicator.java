package io.convserve.system;

import io.convserve.serving.PathRedaction;
import io.convserve.registry.ModelRegistry;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Ready only when every model folder of the repository has a served (loaded and warmed) version. The reasons shown
 * for unavailable models go through {@link PathRedaction}, like error bodies: no absolute repository, temporary or
 * home path.
 */
@Component("models")
class ModelsHealthIndicator implements HealthIndicator {

    private final ModelRegistry registry;
    private final PathRedaction redaction;

    ModelsHealthIndicator(ModelRegistry registry, PathRedaction redaction) {
        this.registry = registry;
        this.redaction = redaction;
    }

    @Override
    public Health health() {
        Map<String, String> unavailable = new java.util.TreeMap<>();
        registry.unavailable().forEach((model, reason) -> unavailable.put(model, redaction.redact(reason)));
        Health.Builder health = unavailable.isEmpty() ? Health.up() : Health.down().withDetail("unavailable", unavailable);
        return health.withDetail("serving", registry.latest().size()).build();
    }
}
