package io.convserve.grpc;

import io.convserve.model.Network;
import io.convserve.protocol.GRPCInferenceServiceGrpc;
import io.convserve.protocol.GrpcService.InferParameter;
import io.convserve.protocol.GrpcService.ModelConfigRequest;
import io.convserve.protocol.GrpcService.ModelConfigResponse;
import io.convserve.protocol.GrpcService.ModelInferRequest;
import io.convserve.protocol.GrpcService.ModelInferResponse;
import io.convserve.protocol.GrpcService.ModelMetadataRequest;
import io.convserve.protocol.GrpcService.ModelMetadataResponse;
import io.convserve.protocol.GrpcService.ModelReadyRequest;
import io.convserve.protocol.GrpcService.ModelReadyResponse;
import io.convserve.protocol.GrpcService.ModelStatisticsRequest;
import io.convserve.protocol.GrpcService.ModelStatisticsResponse;
import io.convserve.protocol.GrpcService.RepositoryIndexRequest;
import io.convserve.protocol.GrpcService.RepositoryIndexResponse;
import io.convserve.protocol.GrpcService.RepositoryModelLoadRequest;
import io.convserve.protocol.GrpcService.RepositoryModelLoadResponse;
import io.convserve.protocol.GrpcService.RepositoryModelUnloadRequest;
import io.convserve.protocol.GrpcService.RepositoryModelUnloadResponse;
import io.convserve.protocol.GrpcService.ServerLiveRequest;
import io.convserve.protocol.GrpcService.ServerLiveResponse;
import io.convserve.protocol.GrpcService.ServerMetadataRequest;
import io.convserve.protocol.GrpcService.ServerMetadataResponse;
import io.convserve.protocol.GrpcService.ServerReadyRequest;
import io.convserve.protocol.GrpcService.ServerReadyResponse;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.InferenceRequests;
import io.convserve.serving.InferenceService;
import io.convserve.serving.PathRedaction;
import io.convserve.serving.ServerInfo;
import io.convserve.serving.LimitsProperties;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@code inference.GRPCInferenceService}: KServe v2's RPCs and Triton's model configuration, statistics and
 * repository RPCs, on the same {@link InferenceService} (batcher, queue limits, timeouts, statistics, metrics) and
 * the same request checks as HTTP's {@code /v2/models/{m}/infer}. Outputs come back as {@code raw_output_contents}
 * when the input came as {@code raw_input_contents}, as typed {@code contents} otherwise.
 */
@Component
class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final ModelRegistry registry;
    private final InferenceService inference;
    private final LimitsProperties limits;
    private final ModelConfigs configs;
    private final String version;
    private final PathRedaction redaction;

    InferenceGrpcService(ModelRegistry registry, InferenceService inference, LimitsProperties limits,
                         ModelConfigs configs, @Value("${info.app.version:0.1.0}") String version,
                         PathRedaction redaction) {
        this.registry = registry;
        this.redaction = redaction;
        this.inference = inference;
        this.limits = limits;
        this.configs = configs;
        this.version = version;
    }

    /**
     * Answers with {@code work}'s result, or with the status its failure maps to. A call the client cancelled
     * meanwhile (its deadline passed during the forward pass) takes no answer: grpc-java refuses it with CANCELLED.
     */
    private <T> void unary(StreamObserver<T> observer, Supplier<T> work) {
        try {
            T result;
            try {
                result = work.get();
            } catch (RuntimeException e) {
                observer.onError(Statuses.of(e, redaction));
                return;
            }
            observer.onNext(result);
            observer.onCompleted();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.CANCELLED) {
                throw e;
            }
        }
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
        unary(observer, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> observer) {
        unary(observer, () -> ServerReadyResponse.newBuilder().setReady(registry.unavailable().isEmpty()).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> observer) {
        unary(observer, () -> ServerMetadataResponse.newBuilder().setName(ServerInfo.NAME).setVersion(version)
                .addAllExtensions(ServerInfo.EXTENSIONS).build());
    }

    /** Ready when the name (and version, if given) resolves to a served version; false otherwise, like Triton. */
    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
        unary(observer, () -> {
            boolean ready = registry.contains(request.getName()) && registry.find(request.getName(),
                    request.getVersion().isEmpty() ? null : request.getVersion()).isPresent();
            return ModelReadyResponse.newBuilder().setReady(ready).build();
        });
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> observer) {
        unary(observer, () -> {
            LoadedModel m = find(request.getName(), request.getVersion());
            List<String> versions = request.getVersion().isEmpty() ? registry.versions(m.name()) : List.of(m.version());
            return ModelMetadataResponse.newBuilder().setName(m.name()).addAllVersions(versions)
                    .setPlatform(ServerInfo.PLATFORM)
                    .addInputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(m.definition().input().name())
                            .setDatatype("FP32")
                            .addAllShape(inference.settings(m).protocolShape(m.network().inputShape())))
                    .addOutputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(m.definition().outputName())
                            .setDatatype("FP32")
                            .addAllShape(inference.settings(m).protocolShape(m.network().outputShape())))
                    .build();
        });
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> observer) {
        unary(observer, () -> ModelConfigResponse.newBuilder()
                .setConfig(configs.config(find(request.getName(), request.getVersion()))).build());
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> observer) {
        unary(observer, () -> configs.statistics(request.getName(), request.getVersion()));
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> observer) {
        unary(observer, () -> configs.index(request.getReady()));
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request,
                                    StreamObserver<RepositoryModelLoadResponse> observer) {
        unary(observer, () -> {
            if (!request.getParametersMap().isEmpty()) {
                throw TensorCodec.invalid("load parameters " + request.getParametersMap().keySet() + " are not "
                        + "supported over gRPC; send none to load the model from the repository folder, or upload a "
                        + "model file with HTTP POST /v2/repository/models/" + request.getModelName() + "/load");
            }
            registry.load(request.getModelName());
            return RepositoryModelLoadResponse.getDefaultInstance();
        });
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
                                      StreamObserver<RepositoryModelUnloadResponse> observer) {
        unary(observer, () -> {
            if (!registry.unload(request.getModelName())) {
                throw new InferenceRequests.InvalidRequestException(
                        InferenceRequests.InvalidRequestException.Kind.NOT_FOUND, "model '" + request.getModelName()
                        + "' is not loaded. Loaded models: " + registry.latest().stream().map(LoadedModel::name).toList());
            }
            return RepositoryModelUnloadResponse.getDefaultInstance();
        });
    }

    /** A model folder that has no served version yet (loading, or its load failed) is UNAVAILABLE, not unknown. */
    private LoadedModel find(String name, String version) {
        if (!registry.contains(name)) {
            String reason = registry.unavailable().get(name);
            if (reason != null) {
                throw Status.UNAVAILABLE.withDescription(redaction.redact("model '" + name + "' is not ready: "
                        + reason))
                        .asRuntimeException();
            }
        }
        return InferenceRequests.find(registry, name, version);
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
        LoadedModel m;
        try {
            m = find(request.getModelName(), request.getModelVersion());
        } catch (RuntimeException e) {
            unary(observer, () -> {
                throw e;
            });
            return;
        }
        unary(observer, () -> inference.request(m, () -> infer(m, request)));
    }

    private ModelInferResponse infer(LoadedModel m, ModelInferRequest request) {
        int maxBatch = inference.settings(m).maxBatchSize();
        List<long[]> shapes = request.getInputsList().stream().map(TensorCodec::shape).toList();
        InferenceRequests.checkInput(m, request.getInputsList().stream().map(ModelInferRequest.InferInputTensor::getName)
                .toList(), shapes, maxBatch);
        boolean raw = request.getRawInputContentsCount() > 0;
        if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw TensorCodec.invalid("raw_input_contents has " + request.getRawInputContentsCount()
                    + " entries; expected one per input (" + request.getInputsCount() + ")");
        }
        ModelInferRequest.InferInputTensor input = request.getInputs(0);
        if (raw && input.hasContents()) {
            throw TensorCodec.invalid("input '" + input.getName() + "' has both contents and raw_input_contents; "
                    + "send one of them");
        }
        long[] shape = shapes.get(0);
        float[] values = TensorCodec.values(input, shape, raw ? request.getRawInputContents(0) : null);

        String outputName = m.definition().outputName();
        List<String> wanted = request.getOutputsCount() == 0 ? List.of(outputName)
                : request.getOutputsList().stream().map(ModelInferRequest.InferRequestedOutputTensor::getName).toList();
        Set<String> layers = InferenceRequests.requestedLayers(m, wanted, shape[0], limits.maxResponseValues());
        List<Integer> classification = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            classification.add(request.getOutputsCount() == 0 ? 0 : classification(request.getOutputs(i)));
        }
        Map<String, InferenceService.Result> results = inference.infer(m, values, shape, layers,
                timeoutMicros(request));

        ModelInferResponse.Builder response = ModelInferResponse.newBuilder().setModelName(m.name())
                .setModelVersion(m.version()).setId(request.getId());
        for (int i = 0; i < wanted.size(); i++) {
            String name = wanted.get(i);
            InferenceService.Result result = results.get(name.equals(outputName) ? Network.OUTPUT : name);
            ModelInferResponse.InferOutputTensor.Builder out = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(name);
            if (classification.get(i) > 0) {
                InferenceRequests.Classes classes = InferenceRequests.classification(result.shape(), result.values(),
                        classification.get(i), m);
                out.setDatatype("BYTES").addAllShape(longs(classes.shape()));
                if (raw) {
                    response.addRawOutputContents(TensorCodec.raw(classes.strings()));
                } else {
                    out.setContents(TensorCodec.contents(classes.strings()));
                }
            } else {
                out.setDatatype("FP32").addAllShape(longs(result.shape()));
                if (raw) {
                    response.addRawOutputContents(TensorCodec.raw(result.values()));
                } else {
                    out.setContents(TensorCodec.contents(result.values()));
                }
            }
            response.addOutputs(out);
        }
        return response.build();
    }

    private static int classification(ModelInferRequest.InferRequestedOutputTensor output) {
        InferParameter p = output.getParametersMap().get("classification");
        if (p == null) {
            return 0;
        }
        if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.INT64_PARAM || p.getInt64Param() < 1
                || p.getInt64Param() > Integer.MAX_VALUE) {
            throw TensorCodec.invalid("output '" + output.getName() + "': parameter classification must be a "
                    + "positive int64_param (the number of top classes). Received: " + p.toString().strip());
        }
        return (int) p.getInt64Param();
    }

    /**
     * The request's queue deadline in microseconds: the client's gRPC deadline or the {@code timeout} parameter
     * (microseconds, as over HTTP), whichever is sooner; 0 for the model's default.
     */
    private static long timeoutMicros(ModelInferRequest request) {
        long micros = 0;
        InferParameter timeout = request.getParametersMap().get("timeout");
        if (timeout != null) {
            if (timeout.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.INT64_PARAM
                    || timeout.getInt64Param() < 0) {
                throw TensorCodec.invalid("parameters.timeout must be a non-negative int64_param of microseconds. "
                        + "Received: " + timeout.toString().strip());
            }
            micros = timeout.getInt64Param();
        }
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null) {
            long left = deadline.timeRemaining(TimeUnit.MICROSECONDS);
            if (left <= 0) {
                throw Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before the request was "
                        + "queued; not computed").asRuntimeException();
            }
            micros = micros == 0 ? left : Math.min(micros, left);
        }
        return micros;
    }

    private static List<Long> longs(long[] values) {
        List<Long> out = new ArrayList<>(values.length);
        for (long v : values) {
            out.add(v);
        }
        return out;
    }
}
