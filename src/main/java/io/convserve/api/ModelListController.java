package io.convserve.api;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v2/models}: what is loaded, with versions and input/output shapes. */
@RestController
@Tag(name = "models")
class ModelListController {

    /** One loaded model. Shapes carry the batch dimension as -1. */
    record ModelEntry(String name, List<String> versions, String latestVersion, java.util.Map<String, String> aliases,
                      String description, List<Long> inputShape, List<Long> outputShape, long parameters,
                      boolean generatedWeights) {
    }

    record ModelList(List<ModelEntry> models) {
    }

    private final ModelRegistry registry;

    ModelListController(ModelRegistry registry) {
        this.registry = registry;
    }

    @GetMapping("/v2/models")
    @Operation(summary = "List loaded models", description = "Every loaded model with its versions (latest last).")
    ModelList list() {
        List<ModelEntry> entries = new ArrayList<>();
        for (LoadedModel m : registry.latest()) {
            entries.add(new ModelEntry(m.name(), registry.versions(m.name()), m.version(),
                    registry.aliases(m.name()), m.definition().description(), dynamicBatch(m.network().summary().inputShape()),
                    dynamicBatch(m.network().summary().outputShape()), m.network().parameterCount(),
                    m.generatedWeights()));
        }
        return new ModelList(entries);
    }

    static List<Long> dynamicBatch(List<Long> shapeWithBatch) {
        List<Long> out = new ArrayList<>(shapeWithBatch);
        out.set(0, -1L);
        return out;
    }
}
