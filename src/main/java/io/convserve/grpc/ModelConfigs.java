package io.convserve.grpc;

import io.convserve.protocol.GrpcService;
import io.convserve.protocol.GrpcService.ModelStatisticsResponse;
import io.convserve.protocol.GrpcService.RepositoryIndexResponse;
import io.convserve.protocol.GrpcService.StatisticDuration;
import io.convserve.protocol.ModelConfigProto.DataType;
import io.convserve.protocol.ModelConfigProto.ModelConfig;
import io.convserve.protocol.ModelConfigProto.ModelDynamicBatching;
import io.convserve.protocol.ModelConfigProto.ModelInput;
import io.convserve.protocol.ModelConfigProto.ModelInstanceGroup;
import io.convserve.protocol.ModelConfigProto.ModelOutput;
import io.convserve.protocol.ModelConfigProto.ModelQueuePolicy;
import io.convserve.protocol.ModelConfigProto.ModelVersionPolicy;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.BatchingSettings;
import io.convserve.serving.InferenceService;
import io.convserve.serving.ModelStatistics;
import io.convserve.serving.RepositoryIndex;
import io.convserve.serving.ServerInfo;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/** Triton's ModelConfig, ModelStatistics and RepositoryIndex answers, with the values HTTP's routes give. */
@Component
class ModelConfigs {

    private final ModelRegistry registry;
    private final io.convserve.serving.PathRedaction redaction;
    private final InferenceService inference;

    ModelConfigs(ModelRegistry registry, InferenceService inference, io.convserve.serving.PathRedaction redaction) {
        this.registry = registry;
        this.redaction = redaction;
        this.inference = inference;
    }

    ModelConfig config(LoadedModel m) {
        BatchingSettings scheduler = inference.settings(m);
        ModelConfig.Builder config = ModelConfig.newBuilder().setName(m.name()).setPlatform(ServerInfo.PLATFORM)
                .setBackend("nd4j").setMaxBatchSize(scheduler.maxBatchSize())
                .addInput(ModelInput.newBuilder().setName(m.definition().input().name()).setDataType(DataType.TYPE_FP32)
                        .setFormat(ModelInput.Format.FORMAT_NCHW).addAllDims(dims(m.network().inputShape().dims())))
                .addOutput(ModelOutput.newBuilder().setName(m.definition().outputName()).setDataType(DataType.TYPE_FP32)
                        .addAllDims(dims(m.network().outputShape().dims()))
                        .setLabelFilename(m.labels().isEmpty() ? "" : "labels.txt"))
                .setVersionPolicy(ModelVersionPolicy.newBuilder().setAll(ModelVersionPolicy.All.getDefaultInstance()))
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setCount(scheduler.instances())
                        .setKind(ModelInstanceGroup.Kind.KIND_CPU));
        if (scheduler.dynamic()) {
            ModelDynamicBatching.Builder dynamic = ModelDynamicBatching.newBuilder()
                    .setMaxQueueDelayMicroseconds(scheduler.maxQueueDelayNanos() / 1000)
                    .setDefaultQueuePolicy(ModelQueuePolicy.newBuilder().setMaxQueueSize(scheduler.maxQueueSize())
                            .setDefaultTimeoutMicroseconds(scheduler.defaultTimeoutNanos() / 1000)
                            .setAllowTimeoutOverride(true));
            if (scheduler.executionBatchSize() > 0) {
                dynamic.addPreferredBatchSize(scheduler.executionBatchSize());
            }
            config.setDynamicBatching(dynamic);
        }
        return config.build();
    }

    /** Every served version (no name), every version of a model (no version), or one version. */
    ModelStatisticsResponse statistics(String name, String version) {
        List<LoadedModel> models = RepositoryIndex.versions(registry, name, version);
        ModelStatisticsResponse.Builder response = ModelStatisticsResponse.newBuilder();
        for (LoadedModel m : models) {
            ModelStatistics.Snapshot s = inference.snapshot(m);
            GrpcService.ModelStatistics.Builder stats = GrpcService.ModelStatistics.newBuilder().setName(s.name())
                    .setVersion(s.version()).setLastInference(s.lastInference()).setInferenceCount(s.inferenceCount())
                    .setExecutionCount(s.executionCount())
                    .setInferenceStats(GrpcService.InferStatistics.newBuilder().setSuccess(duration(s.success()))
                            .setFail(duration(s.fail())).setQueue(duration(s.queue()))
                            .setComputeInput(duration(s.computeInput())).setComputeInfer(duration(s.computeInfer()))
                            .setComputeOutput(duration(s.computeOutput())));
            for (ModelStatistics.BatchStats b : s.batchStats().values()) {
                stats.addBatchStats(GrpcService.InferBatchStatistics.newBuilder().setBatchSize(b.batchSize())
                        .setComputeInput(duration(b.computeInput())).setComputeInfer(duration(b.computeInfer()))
                        .setComputeOutput(duration(b.computeOutput())));
            }
            response.addModelStats(stats);
        }
        return response.build();
    }

    /** Every model folder with its versions: READY, or UNAVAILABLE with the reason (left out when readyOnly). */
    RepositoryIndexResponse index(boolean readyOnly) {
        RepositoryIndexResponse.Builder index = RepositoryIndexResponse.newBuilder();
        for (RepositoryIndex.Entry e : RepositoryIndex.entries(registry, redaction, readyOnly)) {
            index.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(e.name())
                    .setVersion(e.version() == null ? "" : e.version()).setState(e.state())
                    .setReason(e.reason() == null ? "" : e.reason()));
        }
        return index.build();
    }

    private static StatisticDuration duration(ModelStatistics.Duration d) {
        return StatisticDuration.newBuilder().setCount(d.count()).setNs(d.ns()).build();
    }

    private static List<Long> dims(int[] dims) {
        List<Long> out = new ArrayList<>();
        for (int d : dims) {
            out.add((long) d);
        }
        return out;
    }
}
