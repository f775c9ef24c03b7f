package io.convserve.api;

import io.convserve.model.LayerSummary;
import io.convserve.model.Network;
import io.convserve.model.Shape;
import io.convserve.model.Summary;
import io.convserve.registry.LoadedModel;
import io.convserve.serving.InferenceService;
import io.convserve.serving.InferenceProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /v2/models/{m}[/versions/{v}]/infer}: the Open Inference Protocol, JSON and binary tensors. */
@RestController
@Tag(name = "inference", description = "Open Inference Protocol (KServe v2 / Triton)")
class InferController {

    private final ModelLookup lookup;
    private final InferenceService inference;
    private final InferenceProperties properties;
    private final LimitsProperties limits;

    InferController(ModelLookup lookup, InferenceService inference, InferenceProperties properties,
                    LimitsProperties limits) {
        this.limits = limits;
        this.lookup = lookup;
        this.inference = inference;
        this.properties = properties;
    }

    @PostMapping({"/v2/models/{model}/infer", "/v2/models/{model}/versions/{version}/infer"})
    @Operation(summary = "Run inference (v2)",
            description = "Tensors as JSON (`data` flat or nested) or as binary data after a JSON header of "
                    + "`Inference-Header-Content-Length` bytes. Output parameters `binary_data` and "
                    + "`classification` (top-k as \"score:index:label\") are supported. An output named after a "
                    + "layer (see `/layers`) returns that layer's output, e.g. a convolution's feature maps "
                    + "`[N, C, H, W]`.")
    ResponseEntity<byte[]> infer(@PathVariable String model, @PathVariable(required = false) String version,
                                 @RequestBody(required = false) byte[] body,
                                 @RequestHeader(name = InferResponseWriter.HEADER_LENGTH, required = false)
                                 Integer headerLength) {
        LoadedModel m = lookup.find(model, version);
        return inference.request(m, () -> run(m, body == null ? new byte[0] : body, headerLength));
    }

    private ResponseEntity<byte[]> run(LoadedModel m, byte[] body, Integer headerLength) {
        int maxBatch = inference.settings(m).maxBatchSize();
        long maxElements = maxBatch * m.network().inputShape().elements();
        long example = m.network().inputShape().elements();
        InferRequestReader.Request request = InferRequestReader.read(body, headerLength, maxElements,
                JsonValueLimit.limit(limits, maxBatch, example), JsonValueLimit.rule(limits, m.name(), maxBatch, example));
        InferRequestReader.Input input = checkedInput(m, request.inputs(), maxBatch);
        String outputName = m.definition().outputName();
        List<InferRequestReader.Output> wanted = request.outputs().isEmpty()
                ? List.of(new InferRequestReader.Output(outputName, request.binaryOutputs(), 0))
                : request.outputs();
        Set<String> layers = requestedLayers(m, wanted, input.shape()[0]);
        Map<String, InferenceService.Result> results = inference.infer(m, input.values(), input.shape(), layers,
                request.timeoutMicros());
        List<InferResponseWriter.Tensor> tensors = new ArrayList<>();
        for (InferRequestReader.Output o : wanted) {
            InferenceService.Result result = results.get(o.name().equals(outputName) ? Network.OUTPUT : o.name());
            tensors.add(o.classification() > 0
                    ? InferResponseWriter.classification(o.name(), result.shape(), result.values(), o.classification(),
                    m, o.binary())
                    : new InferResponseWriter.Tensor(o.name(), result.shape(), result.values(), null, o.binary()));
        }
        return InferResponseWriter.write(m, request.id(), tensors);
    }

    /**
     * The layers whose outputs the request names besides the model's output (feature maps and other intermediate
     * activations), after checking every name and the size of the response.
     */
    private Set<String> requestedLayers(LoadedModel m, List<InferRequestReader.Output> wanted, long batch) {
        String outputName = m.definition().outputName();
        Summary summary = m.network().summary();
        Set<String> layers = new LinkedHashSet<>();
        long values = 0;
        for (InferRequestReader.Output o : wanted) {
            if (o.name().equals(outputName)) {
                values += elements(summary.outputShape());
                continue;
            }
            LayerSummary row = summary.layers().stream().filter(r -> r.name().equals(o.name())).findFirst()
                    .orElseThrow(() -> ApiException.badRequest("unexpected inference output '" + o.name()
                            + "' for model '" + m.name() + "'. Expected output: '" + outputName
                            + "', or the name of a layer for its output: " + m.network().layerNames()));
            layers.add(row.name());
            values += elements(row.outputShape());
        }
        if (values * batch > properties.maxResponseValues()) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "the requested outputs " + wanted.stream()
                    .map(InferRequestReader.Output::name).toList() + " would hold " + values * batch
                    + " values for batch size " + batch + ", more than the limit of " + properties.maxResponseValues()
                    + " (inference.max-response-values); request fewer layer outputs or a smaller batch");
        }
        return layers;
    }

    private static long elements(List<Long> shapeWithBatchOne) {
        long n = 1;
        for (int i = 1; i < shapeWithBatchOne.size(); i++) {
            n *= shapeWithBatchOne.get(i);
        }
        return n;
    }

    /** The one input, named as the model declares, with shape {@code [N, C, H, W]} and 1 <= N <= max batch. */
    private InferRequestReader.Input checkedInput(LoadedModel m, List<InferRequestReader.Input> inputs, int maxBatch) {
        String expectedName = m.definition().input().name();
        Shape declared = m.network().inputShape();
        String expectedShape = ModelMetadata.withDynamicBatch(declared).toString();
        if (inputs.size() != 1) {
            throw ApiException.badRequest("expected 1 input for model '" + m.name() + "' ('" + expectedName
                    + "' " + expectedShape + "), received " + inputs.size());
        }
        InferRequestReader.Input input = inputs.get(0);
        if (!input.name().equals(expectedName)) {
            throw ApiException.badRequest("unexpected inference input '" + input.name() + "' for model '" + m.name()
                    + "'. Expected input: '" + expectedName + "' " + expectedShape);
        }
        long[] shape = input.shape();
        long[] example = declared.withBatch(1);
        boolean exampleShape = shape.length == example.length
                && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), Arrays.copyOfRange(example, 1, example.length));
        if (!exampleShape) {
            String hint = Arrays.equals(Arrays.stream(shape).toArray(), Arrays.copyOfRange(example, 1, example.length))
                    ? "; the first dimension is the batch size: send " + Arrays.toString(example) + " for one example"
                    : "";
            throw ApiException.badRequest("input '" + input.name() + "': unexpected shape " + Arrays.toString(shape)
                    + ", model '" + m.name() + "' expects " + expectedShape + hint);
        }
        if (shape[0] > maxBatch) {
            throw ApiException.badRequest("input '" + input.name() + "': batch size " + shape[0]
                    + " exceeds the maximum batch size " + maxBatch + " of model '" + m.name() + "'");
        }
        return input;
    }
}
