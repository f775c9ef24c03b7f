package io.convserve.grpc;

import io.convserve.protocol.GrpcService;
import io.convserve.protocol.GrpcService.ModelStatisticsResponse;
import io.convserve.protocol.GrpcService.RepositoryIndexResponse;
import io.convserve.protocol.GrpcService.StatisticDuration;
import io.convserve.protocol.ModelConfigProto.ModelConfig;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.EffectiveConfig;
import io.convserve.serving.InferenceService;
import io.convserve.serving.ModelStatistics;
import io.convserve.serving.RepositoryIndex;
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
        return EffectiveConfig.of(m, inference.settings(m), registry.tritonConfig(m.name()).orElse(null));
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
