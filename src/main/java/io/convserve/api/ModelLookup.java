package io.convserve.api;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import org.springframework.stereotype.Component;

/** Resolves {@code {model}[/versions/{version}]} from a URL, or a 404 that lists what exists. */
@Component
class ModelLookup {

    private final ModelRegistry registry;

    ModelLookup(ModelRegistry registry) {
        this.registry = registry;
    }

    LoadedModel find(String name, String version) {
        if (!registry.contains(name)) {
            String known = registry.latest().stream().map(LoadedModel::name).toList().toString();
            String failure = registry.failures().get(name);
            throw ApiException.notFound(failure != null
                    ? "model '" + name + "' is not available: its load failed: " + failure
                    : "unknown model '" + name + "'. Available models: " + known);
        }
        return registry.find(name, version).orElseThrow(() -> ApiException.notFound("model '" + name
                + "' has no version '" + version + "'. Available versions: " + registry.versions(name)));
    }
}
