package io.convserve.api;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.InferenceRequests;
import org.springframework.stereotype.Component;

/** Resolves {@code {model}[/versions/{version}]} from a URL, or a 404 that lists what exists (serving's {@link InferenceRequests#find}). */
@Component
class ModelLookup {

    private final ModelRegistry registry;

    ModelLookup(ModelRegistry registry) {
        this.registry = registry;
    }

    LoadedModel find(String name, String version) {
        return InferenceRequests.find(registry, name, version);
    }
}
