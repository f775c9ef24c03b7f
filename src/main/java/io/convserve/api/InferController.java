package io.convserve.api;

import io.convserve.serving.LimitsProperties;
import io.convserve.model.Network;
import io.convserve.registry.LoadedModel;
import io.convserve.serving.InferenceRequests;
import io.convserve.serving.InferenceService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private final LimitsProperties limits;

    InferController(ModelLookup lookup, InferenceService inference,
                    LimitsProperties limits) {
        this.limits = limits;
        this.lookup = lookup;
        this.inference = inference;
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
        InferenceRequests.checkInput(m, request.inputs().stream().map(InferRequestReader.Input::name).toList(),
                request.inputs().stream().map(InferRequestReader.Input::shape).toList(), maxBatch);
        InferRequestReader.Input input = request.inputs().get(0);
        String outputName = m.definition().outputName();
        List<InferRequestReader.Output> wanted = request.outputs().isEmpty()
                ? List.of(new InferRequestReader.Output(outputName, request.binaryOutputs(), 0))
                : request.outputs();
        Set<String> layers = InferenceRequests.requestedLayers(m,
                wanted.stream().map(InferRequestReader.Output::name).toList(), input.shape()[0],
                limits.maxResponseValues());
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
}
