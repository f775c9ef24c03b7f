package io.convserve.api;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.Batcher;
import io.convserve.serving.InferenceRequests;
import io.convserve.serving.InferenceService;
import io.convserve.serving.PathRedaction;
import io.convserve.serving.RepositoryIndex;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The rest of TF Serving's REST API beside {@code :predict}: model status, model metadata (a {@code signature_def}
 * for our one input and output) and predict by version label (our aliases), with TF Serving's error body
 * {@code {"error": "..."}} on these routes.
 */
@RestController
@Tag(name = "predict", description = "Simple prediction (TF Serving row format)")
@ApiResponse(responseCode = "400", description = "Bad input (TF Serving's error body)", content = @Content(
        mediaType = "application/json", schema = @Schema(implementation = TfServingController.TfServingError.class)))
@ApiResponse(responseCode = "404", description = "Unknown model, version or label (TF Serving's error body)",
        content = @Content(mediaType = "application/json", schema = @Schema(
                implementation = TfServingController.TfServingError.class)))
@ApiResponse(responseCode = "default", description = "Other errors (TF Serving's error body)", content = @Content(
        mediaType = "application/json", schema = @Schema(implementation = TfServingController.TfServingError.class)))
class TfServingController {

    /** TF Serving's error body. */
    @Schema(requiredProperties = {"error"})
    record TfServingError(@Schema(description = "what was wrong and the expected value") String error) {
    }

    private final ModelRegistry registry;
    private final ModelLookup lookup;
    private final InferenceService inference;
    private final PredictController predict;
    private final PathRedaction redaction;

    TfServingController(ModelRegistry registry, ModelLookup lookup, InferenceService inference,
                        PredictController predict, PathRedaction redaction) {
        this.registry = registry;
        this.lookup = lookup;
        this.inference = inference;
        this.predict = predict;
        this.redaction = redaction;
    }

    @GetMapping({"/v1/models/{model}", "/v1/models/{model}/versions/{version}", "/v1/models/{model}/labels/{label}"})
    @Operation(summary = "Model status (TF Serving)", description = "`model_version_status`: each served version "
            + "AVAILABLE; a model whose load failed END with the reason.")
    Map<String, Object> status(@PathVariable String model, @PathVariable(required = false) String version,
                               @PathVariable(required = false) String label) {
        List<Map<String, Object>> versions = new ArrayList<>();
        if (version != null || label != null) {
            LoadedModel m = resolve(model, version, label);
            versions.add(versionStatus(m.version(), "AVAILABLE", "OK", ""));
        } else {
            for (RepositoryIndex.Entry e : RepositoryIndex.entries(registry, redaction, false)) {
                if (e.name().equals(model)) {
                    boolean ready = e.state().equals("READY");
                    versions.add(versionStatus(e.version() == null ? "" : e.version(), ready ? "AVAILABLE" : "END",
                            ready ? "OK" : "UNKNOWN", ready ? "" : String.valueOf(e.reason())));
                }
            }
            if (versions.isEmpty()) {
                lookup.find(model, null); // the 404 naming the models there are
            }
        }
        return Map.of("model_version_status", versions);
    }

    @GetMapping({"/v1/models/{model}/metadata", "/v1/models/{model}/versions/{version}/metadata",
            "/v1/models/{model}/labels/{label}/metadata"})
    @Operation(summary = "Model metadata (TF Serving)", description = "`model_spec` and the `serving_default` "
            + "signature_def: the input and output with dtype and shape (-1 for the batch).")
    Map<String, Object> metadata(@PathVariable String model, @PathVariable(required = false) String version,
                                 @PathVariable(required = false) String label) {
        LoadedModel m = resolve(model, version, label);
        var settings = inference.settings(m);
        Map<String, Object> signature = new LinkedHashMap<>();
        signature.put("inputs", Map.of(m.definition().input().name(),
                tensorInfo(m.definition().input().name(), settings.protocolShape(m.network().inputShape()))));
        signature.put("outputs", Map.of(m.definition().outputName(),
                tensorInfo(m.definition().outputName(), settings.protocolShape(m.network().outputShape()))));
        signature.put("method_name", "tensorflow/serving/predict");
        return Map.of("model_spec", Map.of("name", m.name(), "signature_name", "", "version", m.version()),
                "metadata", Map.of("signature_def", Map.of("signature_def", Map.of("serving_default", signature))));
    }

    @PostMapping("/v1/models/{model}/labels/{label}:predict")
    @Operation(summary = "Predict by version label (TF Serving)", description = "As `:predict`, on the version an "
            + "alias names (model.json `aliases`, e.g. stable, canary).")
    PredictController.Predictions predictByLabel(@PathVariable String model, @PathVariable String label,
                                                 @io.swagger.v3.oas.annotations.parameters.RequestBody(content =
                                                 @Content(mediaType = "application/json", schema = @Schema(
                                                         ref = "#/components/schemas/PredictRequest")))
                                                 @RequestBody byte[] body) {
        return predict.predict(resolve(model, null, label), body);
    }

    /** A version by number, by label (an alias only, as TF Serving's labels), or the latest. */
    private LoadedModel resolve(String model, String version, String label) {
        if (label == null) {
            return lookup.find(model, version);
        }
        lookup.find(model, null);
        if (!registry.aliases(model).containsKey(label)) {
            throw ApiException.notFound("model '" + model + "' has no version label '" + label + "'. Labels: "
                    + registry.aliases(model).keySet() + " (model.json or config.pbtxt parameters \"aliases\")");
        }
        return lookup.find(model, label);
    }

    private static Map<String, Object> versionStatus(String version, String state, String code, String message) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("version", version);
        status.put("state", state);
        status.put("status", Map.of("error_code", code, "error_message", message));
        return status;
    }

    /** TensorInfo in protobuf's JSON form, as TF Serving prints it: 64-bit sizes as strings. */
    private static Map<String, Object> tensorInfo(String name, List<Long> shape) {
        List<Map<String, Object>> dims = new ArrayList<>();
        for (long d : shape) {
            Map<String, Object> dim = new LinkedHashMap<>();
            dim.put("size", Long.toString(d));
            dim.put("name", "");
            dims.add(dim);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("dtype", "DT_FLOAT");
        info.put("tensor_shape", Map.of("dim", dims, "unknown_rank", false));
        info.put("name", name);
        return info;
    }

    // ---- TF Serving's error body on these routes

    @ExceptionHandler(InferenceRequests.InvalidRequestException.class)
    ResponseEntity<Map<String, String>> invalid(InferenceRequests.InvalidRequestException e) {
        return error(switch (e.kind()) {
            case INVALID -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
        }, e.getMessage());
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, String>> api(ApiException e) {
        return error(HttpStatus.valueOf(e.status().value()), e.getMessage());
    }

    @ExceptionHandler(RequestTooLargeException.class)
    ResponseEntity<Map<String, String>> tooLarge(RequestTooLargeException e) {
        return error(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
    }

    @ExceptionHandler(Batcher.OverloadedException.class)
    ResponseEntity<Map<String, String>> overloaded(Batcher.OverloadedException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "1")
                .contentType(MediaType.APPLICATION_JSON).body(Map.of("error", redaction.redact(e.getMessage())));
    }

    @ExceptionHandler(Batcher.TimedOutException.class)
    ResponseEntity<Map<String, String>> timedOut(Batcher.TimedOutException e) {
        return error(HttpStatus.GATEWAY_TIMEOUT, e.getMessage());
    }

    private ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", redaction.redact(message)));
    }
}
