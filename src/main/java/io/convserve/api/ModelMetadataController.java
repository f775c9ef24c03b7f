package io.convserve.api;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.InferenceService;
import io.convserve.serving.ModelStatistics;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Model metadata, readiness, configuration and statistics of the Open Inference Protocol (Triton flavour). */
@RestController
@Tag(name = "models", description = "Model metadata, readiness, configuration and statistics (v2)")
class ModelMetadataController {

    record TensorMetadata(String name, String datatype, List<Long> shape) {
    }

    record Metadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                    List<TensorMetadata> outputs) {
    }

    record Readiness(String name, String version, boolean ready) {
    }

    private final ModelLookup lookup;
    private final ModelRegistry registry;
    private final InferenceService inference;

    ModelMetadataController(ModelLookup lookup, ModelRegistry registry, InferenceService inference) {
        this.lookup = lookup;
        this.registry = registry;
        this.inference = inference;
    }

    @GetMapping({"/v2/models/{model}", "/v2/models/{model}/versions/{version}"})
    @Operation(summary = "Model metadata", description = "Inputs and outputs with the batch dimension as -1 (as 1 for a model with max_batch_size 0).")
    Metadata metadata(@PathVariable String model, @PathVariable(required = false) String version) {
        LoadedModel m = lookup.find(model, version);
        List<String> versions = version == null ? registry.versions(model) : List.of(m.version());
        return new Metadata(m.name(), versions, io.convserve.serving.ServerInfo.PLATFORM,
                List.of(new TensorMetadata(m.definition().input().name(), "FP32",
                        inference.settings(m).protocolShape(m.network().inputShape()))),
                List.of(new TensorMetadata(m.definition().outputName(), "FP32",
                        inference.settings(m).protocolShape(m.network().outputShape()))));
    }

    @GetMapping({"/v2/models/{model}/ready", "/v2/models/{model}/versions/{version}/ready"})
    @Operation(summary = "Model readiness", description = "200 when the model (version) is loaded, 404 otherwise.")
    Readiness ready(@PathVariable String model, @PathVariable(required = false) String version) {
        LoadedModel m = lookup.find(model, version);
        return new Readiness(m.name(), m.version(), true);
    }

    @GetMapping({"/v2/models/{model}/config", "/v2/models/{model}/versions/{version}/config"})
    @Operation(summary = "Model configuration", description = "Triton's model configuration shape, plus `preprocessing` "
            + "(model.json's) for models that take images.")
    Map<String, Object> config(@PathVariable String model, @PathVariable(required = false) String version) {
        LoadedModel m = lookup.find(model, version);
        Map<String, Object> config = io.convserve.serving.EffectiveConfig.json(io.convserve.serving.EffectiveConfig.of(
                m, inference.settings(m), registry.tritonConfig(m.name()).orElse(null)));
        if (m.definition().preprocessing() != null) {
            // not Triton's: how /predictions turns an image into the input tensor (model.json "preprocessing")
            config.put("preprocessing", m.definition().preprocessing());
        }
        return config;
    }

    @GetMapping({"/v2/models/stats", "/v2/models/{model}/stats", "/v2/models/{model}/versions/{version}/stats"})
    @Operation(summary = "Statistics", description = "Triton's inference statistics, with batch_stats, and `latency`: "
            + "nearest-rank quantiles (µs) of the end-to-end duration of the last `window` (at most 1024) "
            + "successful requests.")
    Map<String, Object> stats(@PathVariable(required = false) String model,
                              @PathVariable(required = false) String version) {
        List<LoadedModel> models = io.convserve.serving.RepositoryIndex.versions(registry, model, version);
        List<Map<String, Object>> stats = new ArrayList<>();
        for (LoadedModel m : models) {
            stats.add(json(inference.snapshot(m)));
        }
        return Map.of("model_stats", stats);
    }

    private static Map<String, Object> json(ModelStatistics.Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("version", s.version());
        m.put("last_inference", s.lastInference());
        m.put("inference_count", s.inferenceCount());
        m.put("execution_count", s.executionCount());
        Map<String, Object> inferenceStats = new LinkedHashMap<>();
        inferenceStats.put("success", duration(s.success()));
        inferenceStats.put("fail", duration(s.fail()));
        inferenceStats.put("queue", duration(s.queue()));
        inferenceStats.put("compute_input", duration(s.computeInput()));
        inferenceStats.put("compute_infer", duration(s.computeInfer()));
        inferenceStats.put("compute_output", duration(s.computeOutput()));
        m.put("inference_stats", inferenceStats);
        List<Map<String, Object>> batches = new ArrayList<>();
        for (ModelStatistics.BatchStats b : s.batchStats().values()) {
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("batch_size", b.batchSize());
            bm.put("compute_input", duration(b.computeInput()));
            bm.put("compute_infer", duration(b.computeInfer()));
            bm.put("compute_output", duration(b.computeOutput()));
            batches.add(bm);
        }
        m.put("batch_stats", batches);
        ModelStatistics.Latency l = s.latency();
        m.put("latency", Map.of("window", l.window(), "p50_us", l.p50Us(), "p90_us", l.p90Us(), "p99_us", l.p99Us(),
                "max_us", l.maxUs()));
        return m;
    }

    private static Map<String, Long> duration(ModelStatistics.Duration d) {
        return Map.of("count", d.count(), "ns", d.ns());
    }
}
