package io.convserve.api;

import io.convserve.serving.LimitsProperties;
import io.convserve.registry.LoadedModel;
import io.convserve.serving.InferenceService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * TF Serving's REST predict in the row format: {@code {"instances": [...]}} to {@code {"predictions": [...]}}.
 * An instance is one example, nested {@code [C][H][W]} or flat, or an object naming the model's input.
 */
@RestController
@Tag(name = "predict", description = "Simple prediction (TF Serving row format)")
class PredictController {

    record Predictions(List<float[]> predictions, String modelVersion) {
    }

    private final ModelLookup lookup;
    private final InferenceService inference;
    private final LimitsProperties limits;

    PredictController(ModelLookup lookup, InferenceService inference, LimitsProperties limits) {
        this.limits = limits;
        this.lookup = lookup;
        this.inference = inference;
    }

    @PostMapping({"/v1/models/{model}:predict", "/v1/models/{model}/versions/{version}:predict"})
    @Operation(summary = "Predict (TF Serving row format)",
            description = "`instances` is a list of examples, each nested [C][H][W] or flat, or an object "
                    + "{\"<input name>\": example}. Answers one row of output values per instance.")
    Predictions predict(@PathVariable String model, @PathVariable(required = false) String version,
                        @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @io.swagger.v3.oas.annotations.media.Content(
                                mediaType = "application/json", schema = @io.swagger.v3.oas.annotations.media.Schema(
                                ref = "#/components/schemas/PredictRequest")))
                        @RequestBody byte[] body) {
        return predict(lookup.find(model, version), body);
    }

    Predictions predict(LoadedModel m, byte[] body) {
        return inference.request(m, () -> run(m, parse(m, body)));
    }

    /** The body as a tree, after counting its values with the streaming parser (413 beyond the model's limit). */
    private JsonNode parse(LoadedModel m, byte[] body) {
        int maxBatch = inference.settings(m).maxBatchSize();
        long example = m.network().inputShape().elements();
        JsonValueLimit.check(body, 0, body.length, JsonValueLimit.limit(limits, maxBatch, example),
                () -> JsonValueLimit.rule(limits, m.name(), maxBatch, example));
        try {
            return JsonValueLimit.MAPPER.readTree(body);
        } catch (tools.jackson.core.JacksonException e) {
            throw ApiException.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private Predictions run(LoadedModel m, JsonNode body) {
        JsonNode instances = body == null ? null : body.get("instances");
        if (instances == null || !instances.isArray() || instances.isEmpty()) {
            throw ApiException.badRequest("request must be {\"instances\": [example, ...]} with at least one example"
                    + (body != null && body.has("inputs") ? " (the columnar \"inputs\" format is not supported)" : ""));
        }
        int batch = instances.size();
        int maxBatch = inference.settings(m).maxBatchSize();
        if (batch > maxBatch) {
            throw ApiException.badRequest("instances has " + batch + " examples, more than the maximum batch size "
                    + maxBatch + " of model '" + m.name() + "'");
        }
        long perExample = m.network().inputShape().elements();
        String inputName = m.definition().input().name();
        float[] values = new float[Math.toIntExact(perExample * batch)];
        for (int i = 0; i < batch; i++) {
            JsonNode instance = instances.get(i);
            if (instance.isObject()) {
                if (!instance.has(inputName) || instance.size() != 1) {
                    throw ApiException.badRequest("instance " + i + ": an object instance must have exactly the key '"
                            + inputName + "'. Received keys: " + fieldNames(instance));
                }
                instance = instance.get(inputName);
            }
            int[] count = {0};
            fill(instance, values, (int) (i * perExample), perExample, count, i);
            if (count[0] != perExample) {
                throw ApiException.badRequest("instance " + i + " has " + count[0] + " values, model '" + m.name()
                        + "' expects " + perExample + " (shape " + m.network().inputShape() + ")");
            }
        }
        long[] shape = m.network().inputShape().withBatch(batch);
        InferenceService.Result result = inference.infer(m, values, shape);
        int per = result.values().length / batch;
        List<float[]> rows = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            rows.add(java.util.Arrays.copyOfRange(result.values(), i * per, (i + 1) * per));
        }
        return new Predictions(rows, m.version());
    }

    private static void fill(JsonNode node, float[] out, int offset, long limit, int[] count, int instance) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                fill(child, out, offset, limit, count, instance);
            }
            return;
        }
        if (!node.isNumber() || !Float.isFinite((float) node.asDouble())) {
            throw ApiException.badRequest("instance " + instance + ": element " + count[0]
                    + " must be a finite number (within FP32). Received: " + InferRequestReader.abbreviate(node));
        }
        if (count[0] < limit) {
            out[offset + count[0]] = (float) node.asDouble();
        }
        count[0]++;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

}
