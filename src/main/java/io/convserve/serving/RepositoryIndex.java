package io.convserve.serving;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Triton's repository index and the model versions a statistics request covers, for every protocol. */
public final class RepositoryIndex {

    /** One row: a served version ({@code READY}), or a model folder without one ({@code UNAVAILABLE}, no version). */
    public record Entry(String name, String version, String state, String reason) {
    }

    private RepositoryIndex() {
    }

    /** Every model folder with its versions; folders without a served version are left out when {@code readyOnly}. */
    public static List<Entry> entries(ModelRegistry registry, PathRedaction redaction, boolean readyOnly) {
        Map<String, String> failures = registry.failures();
        Map<String, String> unavailable = registry.unavailable();
        List<Entry> index = new ArrayList<>();
        for (String name : registry.available()) {
            List<String> versions = registry.versions(name);
            String lastFailure = failures.get(name);
            for (String v : versions) {
                index.add(new Entry(name, v, "READY", lastFailure == null ? null
                        : redaction.redact("still serving; the last load failed: " + lastFailure)));
            }
            if (versions.isEmpty() && !readyOnly) {
                index.add(new Entry(name, null, "UNAVAILABLE",
                        redaction.redact(unavailable.getOrDefault(name, "not loaded"))));
            }
        }
        return index;
    }

    /**
     * The versions a statistics request covers: every served version (no name), every version of one model (no
     * version), or one version; an unknown model or version is an {@link InferenceRequests.InvalidRequestException}.
     */
    public static List<LoadedModel> versions(ModelRegistry registry, String name, String version) {
        List<LoadedModel> models = new ArrayList<>();
        if (name == null || name.isEmpty()) {
            for (LoadedModel latest : registry.latest()) {
                for (String v : registry.versions(latest.name())) {
                    registry.find(latest.name(), v).ifPresent(models::add);
                }
            }
        } else if (version == null || version.isEmpty()) {
            InferenceRequests.find(registry, name, null);
            for (String v : registry.versions(name)) {
                registry.find(name, v).ifPresent(models::add);
            }
        } else {
            models.add(InferenceRequests.find(registry, name, version));
        }
        return models;
    }
}
