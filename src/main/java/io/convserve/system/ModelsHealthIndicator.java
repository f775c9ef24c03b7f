package io.convserve.system;

import io.convserve.registry.ModelRegistry;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Ready only when every model folder of the repository has a served (loaded and warmed) version. */
@Component("models")
class ModelsHealthIndicator implements HealthIndicator {

    private final ModelRegistry registry;

    ModelsHealthIndicator(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        Map<String, String> unavailable = registry.unavailable();
        Health.Builder health = unavailable.isEmpty() ? Health.up() : Health.down().withDetail("unavailable", unavailable);
        return health.withDetail("serving", registry.latest().size()).build();
    }
}
