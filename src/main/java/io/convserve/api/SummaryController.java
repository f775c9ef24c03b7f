package io.convserve.api;

import io.convserve.serving.LimitsProperties;
import io.convserve.model.Architecture;
import io.convserve.model.ArchitectureException;
import io.convserve.model.LayerSummary;
import io.convserve.model.Shape;
import io.convserve.model.Summary;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelDefinition;
import io.convserve.registry.ModelDefinitionReader;
import io.convserve.registry.ModelLoadException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The {@code model_summary} extension (docs/design.md#introspection): every layer's input and output shape, parameters and MACs,
 * for a loaded model at any input size, or for an architecture posted without weights.
 */
@RestController
@Tag(name = "model_summary", description = "Layer shapes, parameter counts and MACs")
class SummaryController {

    /** The layer table; shapes carry the batch dimension first. */
    record LayersResponse(String modelName, String modelVersion, List<Long> inputShape, List<Long> outputShape,
                          int batchSize, List<LayerSummary> layers, Summary.Totals totals) {
    }

    /** Parameters of one layer. */
    record ParameterRow(int index, String name, String type, long parameters, long trainableParameters,
                        long nonTrainableParameters, Map<String, List<Long>> parameterShapes, long parameterBytes) {
    }

    record ParametersResponse(String modelName, String modelVersion, List<ParameterRow> layers, Summary.Totals totals) {
    }

    /** An architecture without weights: a model.json object (or just its input and layers). */
    record SummaryRequest(Map<String, Object> architecture,
                          @Schema(description = "a loaded model whose architecture (without its weights) to use "
                                  + "instead of `architecture`") String model,
                          @Schema(description = "the version of `model` (default: the latest)") String version,
                          List<Integer> inputShape, Integer batchSize) {
    }

    private final ModelLookup lookup;
    private final ModelDefinitionReader reader = new ModelDefinitionReader();

    private final int maxLayers;
    private final Problems problems;

    SummaryController(ModelLookup lookup, LimitsProperties limits, Problems problems) {
        this.lookup = lookup;
        this.problems = problems;
        this.maxLayers = limits.maxSummaryLayers();
    }

    @GetMapping(value = {"/v2/models/{model}/layers", "/v2/models/{model}/versions/{version}/layers"},
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_PLAIN_VALUE})
    @Operation(summary = "Layer table of a loaded model",
            description = "Input and output shape (batch first), parameters and MACs of every layer. "
                    + "`input_shape` recomputes the table for another input size, e.g. AlexNet at 3,224,224.")
    @ApiResponse(responseCode = "200", description = "The table", content = {
            @Content(mediaType = "application/json", schema = @Schema(implementation = LayersResponse.class)),
            @Content(mediaType = "text/plain", schema = @Schema(type = "string"))})
    ResponseEntity<Object> layers(@PathVariable String model, @PathVariable(required = false) String version,
                                  @Parameter(description = "C,H,W", example = "3,224,224")
                                  @RequestParam(name = "input_shape", required = false) String inputShape,
                                  @RequestParam(name = "batch_size", required = false) String batchSize,
                                  @Parameter(description = "json or text") @RequestParam(required = false) String format) {
        LoadedModel m = lookup.find(model, version);
        Architecture architecture = m.definition().architecture();
        Shape input = inputShape == null ? architecture.inputShape() : parseShape(inputShape, architecture.inputShape());
        Summary summary = architecture.summarize(input, parseBatch(batchSize));
        if (inputShape != null) {
            LoadedWeightsFit.check(m.name(), m.network().summary(), summary, java.util.Arrays.stream(input.dims())
                    .boxed().toList());
        }
        if (isText(format)) {
            return text(SummaryText.render("Model: \"" + m.name() + "\" (version " + m.version() + ")", summary));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(layersResponse(m.name(), m.version(), summary));
    }

    @GetMapping(value = {"/v2/models/{model}/parameters", "/v2/models/{model}/versions/{version}/parameters"},
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_PLAIN_VALUE})
    @Operation(summary = "Parameter counts of a loaded model",
            description = "Weights and biases per layer with their shapes, trainable and non-trainable, and bytes.")
    @ApiResponse(responseCode = "200", description = "The table", content = {
            @Content(mediaType = "application/json", schema = @Schema(implementation = ParametersResponse.class)),
            @Content(mediaType = "text/plain", schema = @Schema(type = "string"))})
    ResponseEntity<Object> parameters(@PathVariable String model, @PathVariable(required = false) String version,
                                      @Parameter(description = "json or text") @RequestParam(required = false) String format) {
        LoadedModel m = lookup.find(model, version);
        Summary summary = m.network().summary();
        if (isText(format)) {
            return text(SummaryText.render("Model: \"" + m.name() + "\" (version " + m.version() + ")", summary));
        }
        List<ParameterRow> rows = summary.layers().stream()
                .map(l -> new ParameterRow(l.index(), l.name(), l.type(), l.parameters(), l.trainableParameters(),
                        l.nonTrainableParameters(), l.parameterShapes(), 4 * l.parameters()))
                .toList();
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                .body(new ParametersResponse(m.name(), m.version(), rows, summary.totals()));
    }

    @PostMapping(value = "/v2/summary", produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_PLAIN_VALUE})
    @Operation(summary = "Layer table of an architecture without weights",
            description = "Post a model.json architecture (input and layers); an impossible one answers 422 "
                    + "naming the layer, the rule and every value, a malformed layer 400 naming the field. When the "
                    + "fault is in one layer, the error also carries `layer_index` and `layer_name` of that layer "
                    + "and `layers`, the rows of the layers before it (which could be computed).")
    @ApiResponse(responseCode = "200", description = "The table", content = {
            @Content(mediaType = "application/json", schema = @Schema(implementation = LayersResponse.class)),
            @Content(mediaType = "text/plain", schema = @Schema(type = "string"))})
    @ApiResponse(responseCode = "400", description = "Bad input; a malformed layer is named with its index",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SummaryProblem.class)))
    @ApiResponse(responseCode = "422", description = "Well-formed but impossible: the layer that fails, the rule and "
            + "every value", content = @Content(mediaType = "application/problem+json",
            schema = @Schema(implementation = SummaryProblem.class)))
    ResponseEntity<Object> summary(@RequestBody SummaryRequest request,
                                   @Parameter(description = "json or text") @RequestParam(required = false) String format) {
        // an empty architecture is none (generated clients send {} for an unset map)
        boolean noArchitecture = request == null || request.architecture() == null || request.architecture().isEmpty();
        if (request == null || noArchitecture == (request.model() == null)) {
            throw ApiException.badRequest("give either 'architecture' ({\"architecture\": {\"input\": {\"shape\": "
                    + "[C, H, W]}, \"layers\": [...]}, \"input_shape\": [C, H, W], \"batch_size\": N}) or 'model', "
                    + "a loaded model's name ({\"model\": \"alexnet\", \"input_shape\": [3, 224, 224]})");
        }
        Map<String, Object> architecture = new LinkedHashMap<>(noArchitecture
                ? LoadedWeightsFit.architectureOf(lookup.find(request.model(), request.version()).definition())
                : request.architecture());
        if (!architecture.containsKey("input") && request.inputShape() != null) {
            architecture.put("input", Map.of("shape", request.inputShape()));
        }
        if (!architecture.containsKey("input")) {
            throw ApiException.badRequest("the input shape is missing: give architecture.input.shape or input_shape "
                    + "as [C, H, W]");
        }
        if (architecture.get("layers") instanceof List<?> layers && layers.size() > maxLayers) {
            throw new ApiException(org.springframework.http.HttpStatus.CONTENT_TOO_LARGE, "architecture has "
                    + layers.size() + " layers; the limit is " + maxLayers + " (inference.limits.max-summary-layers)");
        }
        int batch = request.batchSize() == null ? 1 : request.batchSize();
        if (batch < 1 || batch > Architecture.MAX_BATCH) {
            throw ApiException.badRequest("batch_size must be between 1 and " + Architecture.MAX_BATCH
                    + ". Received: " + batch);
        }
        ModelDefinition definition;
        Summary summary;
        try {
            definition = reader.parse(architecture, "architecture");
            Shape input = request.inputShape() == null ? definition.architecture().inputShape()
                    : toShape(request.inputShape(), definition.architecture().inputShape());
            summary = definition.architecture().summarize(input, batch);
        } catch (ModelLoadException | ArchitectureException | ArithmeticException e) {
            ResponseEntity<Object> located = DesignProblem.locate(problems, e, architecture, request.inputShape(), batch);
            if (located == null) {
                throw e;
            }
            return located;
        }
        String name = request.model() != null ? request.model() : definition.name();
        if (isText(format)) {
            return text(SummaryText.render("Model: \"" + (name == null ? "architecture" : name) + "\"", summary));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(layersResponse(name, null, summary));
    }

    /** The Problem of a design that fails in one layer: that layer and the rows before it (see {@link DesignProblem}). */
    @Schema(requiredProperties = {"error", "status"})
    record SummaryProblem(@Schema(description = "what was wrong and the expected value") String error, String type,
                          String title, int status, String detail, String instance,
                          @Schema(description = "the layer that fails, from 0") Integer layerIndex,
                          @Schema(description = "its name, when it has one") String layerName,
                          @Schema(description = "the rows of the layers before it") List<LayerSummary> layers) {
    }

    /** Every layer type with its fields: defaults as the engine resolves them, and which fields are required. */
    record LayerTypesResponse(List<LayerCatalog.LayerType> layerTypes) {
    }

    @GetMapping(value = "/v2/summary/layer-types", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Layer types of an architecture",
            description = "Every `type` a model.json layer may have, with each field's default as the engine resolves "
                    + "it (`defaults`; for a required field, the value a new layer starts with), whether it is "
                    + "required, the field whose value it defaults to (`same_as`, e.g. a pool's stride) and the "
                    + "allowed values of an activation.")
    @ApiResponse(responseCode = "200", description = "The layer types", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = LayerTypesResponse.class)))
    LayerTypesResponse layerTypes() {
        return LAYER_TYPES;
    }

    private static final LayerTypesResponse LAYER_TYPES = new LayerTypesResponse(LayerCatalog.all());

    private static LayersResponse layersResponse(String name, String version, Summary summary) {
        return new LayersResponse(name, version, summary.inputShape(), summary.outputShape(), summary.batchSize(),
                summary.layers(), summary.totals());
    }

    private static boolean isText(String format) {
        if (format == null || format.equals("json")) {
            return false;
        }
        if (format.equals("text")) {
            return true;
        }
        throw ApiException.badRequest("format must be 'json' or 'text'. Received: '" + format + "'");
    }

    private static ResponseEntity<Object> text(String body) {
        return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(body);
    }

    /** {@code "3,224,224"} or {@code "[3, 224, 224]"}, with as many dims as the model's input. */
    static Shape parseShape(String text, Shape declared) {
        String[] parts = text.replace("[", "").replace("]", "").strip().split("\\s*[,xX]\\s*");
        int[] dims = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                dims[i] = Integer.parseInt(parts[i].strip());
            }
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("input_shape must be " + dimsName(declared)
                    + " as comma-separated positive integers, e.g. " + example(declared) + ". Received: '" + text + "'");
        }
        return toShape(java.util.Arrays.stream(dims).boxed().toList(), declared);
    }

    private static Shape toShape(List<Integer> dims, Shape declared) {
        if (dims.size() != declared.rank() || dims.stream().anyMatch(d -> d == null || d < 1)) {
            throw ApiException.badRequest("input_shape must be " + dimsName(declared)
                    + " (positive integers, without the batch dimension), e.g. " + example(declared)
                    + ". Received: " + dims);
        }
        return new Shape(dims.stream().mapToInt(Integer::intValue).toArray());
    }

    private static String dimsName(Shape declared) {
        return declared.rank() == 3 ? "[C, H, W]" : "[features]";
    }

    private static String example(Shape declared) {
        return declared.toString().replace(" ", "").replace("[", "").replace("]", "");
    }

    static int parseBatch(String text) {
        if (text == null) {
            return 1;
        }
        try {
            int batch = Integer.parseInt(text.strip());
            if (batch >= 1 && batch <= Architecture.MAX_BATCH) {
                return batch;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("batch_size must be an integer between 1 and " + Architecture.MAX_BATCH
                + ". Received: '" + text + "'");
    }
}
