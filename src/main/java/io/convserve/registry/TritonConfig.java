package io.convserve.registry;

import com.google.protobuf.TextFormat;
import io.convserve.protocol.ModelConfigProto.DataType;
import io.convserve.protocol.ModelConfigProto.ModelConfig;
import io.convserve.protocol.ModelConfigProto.ModelDynamicBatching;
import io.convserve.protocol.ModelConfigProto.ModelInput;
import io.convserve.protocol.ModelConfigProto.ModelInstanceGroup;
import io.convserve.protocol.ModelConfigProto.ModelOutput;
import io.convserve.protocol.ModelConfigProto.ModelParameter;
import io.convserve.protocol.ModelConfigProto.ModelQueuePolicy;
import io.convserve.protocol.ModelConfigProto.ModelVersionPolicy;
import io.convserve.protocol.ModelConfigProto.ModelWarmup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model folder's {@code config.pbtxt}: Triton's model configuration in protobuf text format, read by protobuf's own
 * {@link TextFormat} into our copy of Triton's {@code model_config.proto}, and turned into the model.json fields it
 * sets ({@link #overlay()}). A wrong value fails the load naming the field; a field we do not serve is listed by name
 * in {@link #unsupported()} (the registry logs it), never dropped silently.
 */
public final class TritonConfig {

    /** Platforms and backends we accept in config.pbtxt: ONNX Runtime's names (we run the graph), and our own. */
    static final Set<String> ONNX_PLATFORMS = Set.of("onnxruntime_onnx", "onnxruntime");
    static final Set<String> OWN_PLATFORMS = Set.of("convserve", "nd4j");
    /** model.json fields carried in {@code parameters} (string values; JSON for objects). */
    private static final Set<String> PARAMETERS = Set.of("description", "preprocessing", "aliases");

    /** One {@code model_warmup} entry: {@code count} forward passes of {@code batchSize} examples. */
    public record Warmup(String name, int batchSize, int count) {
    }

    private final ModelConfig config;
    private final String source;
    private final Map<String, Object> overlay = new LinkedHashMap<>();
    private final List<String> unsupported;

    private TritonConfig(ModelConfig config, String source) {
        this.config = config;
        this.source = source;
        this.unsupported = TritonConfigFields.unsupported(config);
        build();
    }

    /** Parses config.pbtxt text; {@code folder} is the model folder's name, which {@code name} must equal if set. */
    public static TritonConfig parse(byte[] text, String folder) {
        String source = "model '" + folder + "' config.pbtxt";
        ModelConfig.Builder builder = ModelConfig.newBuilder();
        String content = new String(text, StandardCharsets.UTF_8);
        try {
            TextFormat.Parser.newBuilder().build().merge(content, builder);
        } catch (TextFormat.ParseException e) {
            String[] lines = content.split("\n", -1);
            String line = e.getLine() >= 1 && e.getLine() <= lines.length ? ", in line " + e.getLine() + " \""
                    + lines[e.getLine() - 1].strip() + "\"" : "";
            throw new ModelLoadException(source + " is not valid protobuf text format for Triton's ModelConfig: "
                    + e.getMessage() + line);
        }
        ModelConfig config = builder.build();
        if (!config.getName().isEmpty() && !config.getName().equals(folder)) {
            throw new ModelLoadException(source + ": name \"" + config.getName() + "\" differs from its folder name '"
                    + folder + "'");
        }
        return new TritonConfig(config, source);
    }

    public ModelConfig proto() {
        return config;
    }

    /** model.json fields this configuration sets, to lay over the model's own definition. */
    public Map<String, Object> overlay() {
        return overlay;
    }

    /** Fields set in the file that we do not serve (dotted paths, e.g. {@code optimization}). */
    public List<String> unsupported() {
        return unsupported;
    }

    /** {@code default_model_filename}, or null. */
    public String modelFileName() {
        return config.getDefaultModelFilename().isEmpty() ? null : config.getDefaultModelFilename();
    }

    /** The output's {@code label_filename}, or null. */
    public String labelFileName() {
        return config.getOutputCount() == 1 && !config.getOutput(0).getLabelFilename().isEmpty()
                ? config.getOutput(0).getLabelFilename() : null;
    }

    /** Triton's {@code max_batch_size: 0}: the shapes include the batch dimension, which is fixed at 1. */
    public boolean batchInShape() {
        return config.getMaxBatchSize() == 0;
    }

    public List<Warmup> warmups() {
        List<Warmup> out = new ArrayList<>();
        for (ModelWarmup w : config.getModelWarmupList()) {
            out.add(new Warmup(w.getName(), Math.max(1, w.getBatchSize()), Math.max(1, w.getCount())));
        }
        return out;
    }

    /** Checks the platform or backend against the model file's format ({@code onnx}, {@code keras} or ours). */
    public void checkPlatform(String format) {
        for (String field : List.of("platform", "backend")) {
            String value = field.equals("platform") ? config.getPlatform() : config.getBackend();
            if (value.isEmpty() || OWN_PLATFORMS.contains(value) || format.equals("onnx") && ONNX_PLATFORMS.contains(value)) {
                continue;
            }
            throw new ModelLoadException(source + ": " + field + " \"" + value + "\" does not match the model file ("
                    + format + "). Expected " + (format.equals("onnx") ? ONNX_PLATFORMS + " or " : "") + OWN_PLATFORMS
                    + ", or no " + field + " (the file's format decides)");
        }
    }

    /**
     * Checks {@code dims} against the loaded network: input {@code [C, H, W]} and output dims without the batch
     * (with the batch, 1, first when {@code max_batch_size} is 0); -1 matches any size.
     */
    public void checkShapes(int[] input, int[] output) {
        if (config.getInputCount() == 1) {
            checkDims("input[0].dims", config.getInput(0).getDimsList(), input);
        }
        if (config.getOutputCount() == 1) {
            checkDims("output[0].dims", config.getOutput(0).getDimsList(), output);
        }
    }

    private void checkDims(String field, List<Long> declared, int[] actual) {
        if (declared.isEmpty()) {
            return;
        }
        List<Long> expected = new ArrayList<>();
        if (batchInShape()) {
            expected.add(1L);
        }
        for (int d : actual) {
            expected.add((long) d);
        }
        boolean matches = declared.size() == expected.size();
        for (int i = 0; matches && i < declared.size(); i++) {
            matches = declared.get(i) == -1 || declared.get(i).equals(expected.get(i));
        }
        if (!matches) {
            throw new ModelLoadException(source + ": " + field + " " + declared + " does not match the model, whose "
                    + "shape is " + expected + (batchInShape() ? " (max_batch_size 0: the batch dimension first)"
                    : " (without the batch dimension)"));
        }
    }

    private void build() {
        if (config.getMaxBatchSize() < 0) {
            throw new ModelLoadException(source + ": max_batch_size must be 0 (no batching) or positive. Received: "
                    + config.getMaxBatchSize());
        }
        overlay.put("max_batch_size", config.getMaxBatchSize());
        tensors();
        if (config.hasDynamicBatching()) {
            if (batchInShape()) {
                throw new ModelLoadException(source + ": dynamic_batching needs max_batch_size > 0 (with 0, requests "
                        + "are not batched)");
            }
            overlay.put("dynamic_batching", dynamicBatching(config.getDynamicBatching()));
        } else {
            overlay.put("dynamic_batching", false);
        }
        int instances = 0;
        for (int i = 0; i < config.getInstanceGroupCount(); i++) {
            ModelInstanceGroup group = config.getInstanceGroup(i);
            if (group.getKind() == ModelInstanceGroup.Kind.KIND_GPU || group.getKind() == ModelInstanceGroup.Kind.KIND_MODEL) {
                throw new ModelLoadException(source + ": instance_group[" + i + "].kind " + group.getKind()
                        + " is not available: models run on the CPU. Expected KIND_CPU or KIND_AUTO");
            }
            if (group.getCount() < 0) {
                throw new ModelLoadException(source + ": instance_group[" + i + "].count must be positive. Received: "
                        + group.getCount());
            }
            instances += Math.max(1, group.getCount());
        }
        if (instances > 0) {
            overlay.put("instance_count", instances);
        }
        if (config.hasVersionPolicy()) {
            overlay.put("version_policy", versionPolicy(config.getVersionPolicy()));
        }
        for (int i = 0; i < config.getModelWarmupCount(); i++) {
            for (Map.Entry<String, ModelWarmup.Input> input : config.getModelWarmup(i).getInputsMap().entrySet()) {
                if (input.getValue().hasInputDataFile()) {
                    throw new ModelLoadException(source + ": model_warmup[" + i + "].inputs[\"" + input.getKey()
                            + "\"].input_data_file is not supported. Expected zero_data or random_data");
                }
            }
        }
        parameters();
    }

    private void tensors() {
        if (config.getInputCount() > 1 || config.getOutputCount() > 1) {
            throw new ModelLoadException(source + ": " + config.getInputCount() + " inputs and "
                    + config.getOutputCount() + " outputs declared; the models served have one input and one output");
        }
        if (config.getInputCount() == 1) {
            ModelInput input = config.getInput(0);
            checkType("input[0].data_type", input.getDataType());
            if (input.getFormat() == ModelInput.Format.FORMAT_NHWC) {
                throw new ModelLoadException(source + ": input[0].format FORMAT_NHWC is not supported: the input "
                        + "tensor is [C, H, W]. Expected FORMAT_NCHW or FORMAT_NONE");
            }
            if (!input.getName().isEmpty()) {
                overlay.put("input", Map.of("name", input.getName()));
            }
        }
        if (config.getOutputCount() == 1) {
            ModelOutput output = config.getOutput(0);
            checkType("output[0].data_type", output.getDataType());
            if (!output.getName().isEmpty()) {
                overlay.put("output", Map.of("name", output.getName()));
            }
            String labels = output.getLabelFilename();
            if (!labels.isEmpty() && (labels.contains("/") || labels.contains("\\") || labels.startsWith("."))) {
                throw new ModelLoadException(source + ": output[0].label_filename must be a plain file name in the "
                        + "model folder. Received: \"" + labels + "\"");
            }
        }
    }

    private void checkType(String field, DataType type) {
        if (type != DataType.TYPE_FP32 && type != DataType.TYPE_INVALID) {
            throw new ModelLoadException(source + ": " + field + " " + type + " is not served. Expected TYPE_FP32 "
                    + "(FP16 requests are converted to it)");
        }
    }

    private static Map<String, Object> dynamicBatching(ModelDynamicBatching dynamic) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (dynamic.getPreferredBatchSizeCount() > 0) {
            out.put("preferred_batch_size", dynamic.getPreferredBatchSizeList());
        }
        out.put("max_queue_delay_microseconds", Math.toIntExact(dynamic.getMaxQueueDelayMicroseconds()));
        ModelQueuePolicy queue = dynamic.getDefaultQueuePolicy();
        if (queue.getMaxQueueSize() > 0) {
            out.put("max_queue_size", queue.getMaxQueueSize());
        }
        if (queue.getDefaultTimeoutMicroseconds() > 0) {
            out.put("default_timeout_microseconds", Math.toIntExact(queue.getDefaultTimeoutMicroseconds()));
        }
        return out;
    }

    private static Map<String, Object> versionPolicy(ModelVersionPolicy policy) {
        return switch (policy.getPolicyChoiceCase()) {
            case ALL -> Map.of("all", Map.of());
            case SPECIFIC -> Map.of("specific", Map.of("versions", policy.getSpecific().getVersionsList()));
            case LATEST -> Map.of("latest", Map.of("num_versions", policy.getLatest().getNumVersions()));
            case POLICYCHOICE_NOT_SET -> Map.of("latest", Map.of("num_versions", 1));
        };
    }

    private void parameters() {
        JsonMapper mapper = JsonMapper.builder().build();
        for (Map.Entry<String, ModelParameter> p : config.getParametersMap().entrySet()) {
            if (!PARAMETERS.contains(p.getKey())) {
                continue;
            }
            String value = p.getValue().getStringValue();
            if (p.getKey().equals("description")) {
                overlay.put("description", value);
                continue;
            }
            try {
                overlay.put(p.getKey(), mapper.readValue(value, Object.class));
            } catch (JacksonException e) {
                throw new ModelLoadException(source + ": parameters[\"" + p.getKey() + "\"].string_value must be "
                        + "JSON (model.json's " + p.getKey() + " object). Received: " + value);
            }
        }
    }

    /** Parameter keys this configuration reads; others are listed as unsupported. */
    static boolean knownParameter(String key) {
        return PARAMETERS.contains(key);
    }
}
