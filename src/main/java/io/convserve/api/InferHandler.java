package io.convserve.api;

import io.convserve.model.Network;
import io.convserve.registry.LoadedModel;
import io.convserve.serving.InferenceRequests;
import io.convserve.serving.InferenceService;
import io.convserve.serving.LimitsProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * One v2 infer request, body in hand: parsed, checked, run and answered. Spring MVC's {@link InferController} calls
 * it, and so does the servlet filter that serves plain infer requests without Spring MVC and Spring Security (the
 * request path's fast lane); an exception it throws there is handed to the controller in the request attribute
 * {@link #FAILURE}, so that errors are answered in one place, {@link ApiExceptionHandler}.
 */
@Component
public class InferHandler {

    /** A request attribute: the exception the fast lane met, for the controller to throw without running again. */
    public static final String FAILURE = "io.convserve.api.InferHandler.failure";

    /** The header that splits a binary request's JSON header from its tensors. */
    public static final String HEADER_LENGTH = InferResponseWriter.HEADER_LENGTH;

    /** The infer routes as Spring MVC names them (the {@code uri} tag of {@code http.server.requests}). */
    public static final String ROUTE = "/v2/models/{model}/infer";
    public static final String VERSIONED_ROUTE = "/v2/models/{model}/versions/{version}/infer";

    private final ModelLookup lookup;
    private final InferenceService inference;
    private final LimitsProperties limits;

    InferHandler(ModelLookup lookup, InferenceService inference, LimitsProperties limits) {
        this.lookup = lookup;
        this.inference = inference;
        this.limits = limits;
    }

    /** @param version null for the model's default version; @param headerLength null for a JSON-only body */
    public InferResponseWriter.Answer infer(String model, String version, byte[] body, Integer headerLength) {
        LoadedModel m = lookup.find(model, version);
        return inference.request(m, () -> run(m, body == null ? new byte[0] : body, headerLength));
    }

    private InferResponseWriter.Answer run(LoadedModel m, byte[] body, Integer headerLength) {
        int maxBatch = inference.settings(m).maxBatchSize();
        long maxElements = maxBatch * m.network().inputShape().elements();
        long example = m.network().inputShape().elements();
        InferRequestReader.Request request = InferRequestReader.read(body, headerLength, maxElements,
                JsonValueLimit.limit(limits, maxBatch, example), () -> JsonValueLimit.rule(limits, m.name(), maxBatch, example));
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
