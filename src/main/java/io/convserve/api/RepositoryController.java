package io.convserve.api;

import io.convserve.serving.RepositoryIndex;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelLoadException;
import io.convserve.registry.ModelRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Triton's model repository extension: index, load and unload. */
@RestController
@Tag(name = "repository", description = "Model repository (v2 extension)")
class RepositoryController {

    private final ModelRegistry registry;
    private final io.convserve.serving.PathRedaction redaction;

    RepositoryController(ModelRegistry registry, io.convserve.serving.PathRedaction redaction) {
        this.registry = registry;
        this.redaction = redaction;
    }

    @PostMapping("/v2/repository/index")
    @Operation(summary = "Repository index",
            description = "Every model folder with its versions: READY, or UNAVAILABLE with the reason.")
    List<Map<String, Object>> index(@RequestBody(required = false) Map<String, Object> request) {
        boolean readyOnly = request != null && Boolean.TRUE.equals(request.get("ready"));
        List<Map<String, Object>> index = new ArrayList<>();
        for (RepositoryIndex.Entry e : RepositoryIndex.entries(registry, redaction, readyOnly)) {
            index.add(entry(e.name(), e.version(), e.state(), e.reason()));
        }
        return index;
    }

    private static Map<String, Object> entry(String name, String version, String state, String reason) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", name);
        if (version != null) {
            e.put("version", version);
        }
        e.put("state", state);
        if (reason != null) {
            e.put("reason", reason);
        }
        return e;
    }

    @PostMapping("/v2/repository/models/{model}/load")
    @Operation(summary = "Load or reload a model, optionally from an uploaded Keras or ONNX file",
            description = "Without a body: loads every version from the repository folder. With Triton's "
                    + "\"parameters\": {\"file:<version>/<file name>\": \"<base64>\"} (one model file, .keras, .h5 or .onnx; "
                    + "further files of the same version are files it refers to, such as the external weights "
                    + "\"file:1/model.onnx.data\" that torch.onnx's default exporter writes) the model "
                    + "file is imported into <repository>/<model>/<version> first; \"config\" (a JSON string) may "
                    + "override model.json fields (description, preprocessing, output, version_policy, aliases), and "
                    + "\"replace\": true lets a new architecture replace a model's other versions. A failed import or "
                    + "load leaves the files and the serving versions untouched: 400 for a malformed request or a "
                    + "failed load, 422 for a file that cannot be imported (naming the layer or node), 507 when the "
                    + "repository's file system has no room for it.")
    Map<String, Object> load(@PathVariable String model, @RequestBody(required = false) LoadRequest request) {
        Map<String, Object> parameters = request == null || request.parameters() == null ? Map.of()
                : request.parameters();
        if (parameters.keySet().stream().anyMatch(k -> k.startsWith("file:"))) {
            synchronized (this) {
                ModelUpload.install(registry, model, parameters);
            }
        } else {
            if (!parameters.isEmpty()) {
                throw ApiException.badRequest("load parameters " + parameters.keySet() + " need a \"file:<version>/"
                        + "<file name>\" parameter with the model file (base64); without one, send no parameters");
            }
            try {
                registry.load(model);
            } catch (ModelLoadException e) {
                throw ApiException.badRequest("failed to load '" + model + "': " + e.getMessage());
            }
        }
        LoadedModel latest = registry.find(model, null).orElseThrow();
        return Map.of("name", latest.name(), "versions", registry.versions(model), "state", "READY");
    }

    /**
     * Triton's load request: {@code parameters} may carry {@code config} (JSON text) and one
     * {@code file:<version>/<file name>} (base64 content), plus our {@code replace} flag.
     */
    record LoadRequest(
            @io.swagger.v3.oas.annotations.media.Schema(description = "Triton's load parameters: \"config\" (JSON "
                    + "text overriding model.json fields), \"file:<version>/<file name>\" (base64 of a .keras, .h5 "
                    + "or .onnx file to import; more file: entries of that version for the files it refers to, e.g. "
                    + "\"file:1/model.onnx.data\"), \"replace\" (true: a new architecture replaces the other versions)",
                    example = "{\"file:1/model.onnx\": \"CAcSB3B5dG9yY2g...\"}")
            Map<String, Object> parameters) {
    }

    @PostMapping("/v2/repository/models/{model}/unload")
    @Operation(summary = "Unload a model", description = "Stops serving every version of the model.")
    Map<String, Object> unload(@PathVariable String model) {
        if (!registry.unload(model)) {
            throw ApiException.notFound("model '" + model + "' is not loaded. Loaded models: "
                    + registry.latest().stream().map(LoadedModel::name).toList());
        }
        return Map.of("name", model, "state", "UNAVAILABLE");
    }
}
