package io.convserve.serving;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.convserve.protocol.ModelConfigProto.DataType;
import io.convserve.protocol.ModelConfigProto.ModelConfig;
import io.convserve.protocol.ModelConfigProto.ModelDynamicBatching;
import io.convserve.protocol.ModelConfigProto.ModelInput;
import io.convserve.protocol.ModelConfigProto.ModelInstanceGroup;
import io.convserve.protocol.ModelConfigProto.ModelOutput;
import io.convserve.protocol.ModelConfigProto.ModelQueuePolicy;
import io.convserve.protocol.ModelConfigProto.ModelVersionPolicy;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelDefinition;
import io.convserve.registry.TritonConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration a model version runs with, as Triton's {@code ModelConfig}: what config.pbtxt or model.json
 * declared, after the scheduler's overrides and defaults, with the shapes of the loaded network. gRPC's ModelConfig
 * and HTTP's {@code /config} both answer it.
 */
public final class EffectiveConfig {

    private EffectiveConfig() {
    }

    public static ModelConfig of(LoadedModel m, BatchingSettings scheduler, TritonConfig declared) {
        List<Long> inputDims = dims(scheduler, m.network().inputShape().dims());
        List<Long> outputDims = dims(scheduler, m.network().outputShape().dims());
        String labels = declared != null && declared.labelFileName() != null ? declared.labelFileName() : "labels.txt";
        ModelConfig.Builder config = ModelConfig.newBuilder().setName(m.name()).setPlatform(ServerInfo.PLATFORM)
                .setBackend("nd4j").setMaxBatchSize(scheduler.reportedMaxBatchSize())
                .addInput(ModelInput.newBuilder().setName(m.definition().input().name()).setDataType(DataType.TYPE_FP32)
                        .setFormat(ModelInput.Format.FORMAT_NCHW).addAllDims(inputDims))
                .addOutput(ModelOutput.newBuilder().setName(m.definition().outputName()).setDataType(DataType.TYPE_FP32)
                        .addAllDims(outputDims).setLabelFilename(m.labels().isEmpty() ? "" : labels))
                .setVersionPolicy(versionPolicy(m.definition().versionPolicy()))
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setName(m.name()).setCount(scheduler.instances())
                        .setKind(ModelInstanceGroup.Kind.KIND_CPU));
        if (declared != null) {
            config.addAllModelWarmup(declared.proto().getModelWarmupList())
                    .setDefaultModelFilename(declared.proto().getDefaultModelFilename())
                    .putAllParameters(declared.proto().getParametersMap());
        }
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

    private static List<Long> dims(BatchingSettings scheduler, int[] dims) {
        List<Long> out = new ArrayList<>();
        if (scheduler.batchInShape()) {
            out.add(1L);
        }
        for (int d : dims) {
            out.add((long) d);
        }
        return out;
    }

    private static ModelVersionPolicy versionPolicy(ModelDefinition.VersionPolicy policy) {
        return switch (policy.kind()) {
            case "all" -> ModelVersionPolicy.newBuilder().setAll(ModelVersionPolicy.All.getDefaultInstance()).build();
            case "specific" -> ModelVersionPolicy.newBuilder().setSpecific(
                    ModelVersionPolicy.Specific.newBuilder().addAllVersions(policy.specific())).build();
            default -> ModelVersionPolicy.newBuilder().setLatest(
                    ModelVersionPolicy.Latest.newBuilder().setNumVersions(policy.latest())).build();
        };
    }

    /**
     * Triton's JSON form of a configuration: proto field names, enums by name, 64-bit integers as numbers (not
     * protobuf's JSON strings), every field that is set, and {@code max_batch_size} always.
     */
    public static Map<String, Object> json(ModelConfig config) {
        Map<String, Object> out = object(config);
        out.putIfAbsent("max_batch_size", 0);
        return out;
    }

    private static Map<String, Object> object(Message message) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            FieldDescriptor f = field.getKey();
            if (f.isMapField()) {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Object entry : (List<?>) field.getValue()) {
                    Message e = (Message) entry;
                    FieldDescriptor key = e.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor value = e.getDescriptorForType().findFieldByName("value");
                    map.put(String.valueOf(e.getField(key)), value(value, e.getField(value)));
                }
                out.put(f.getName(), map);
            } else if (f.isRepeated()) {
                List<Object> list = new ArrayList<>();
                for (Object v : (List<?>) field.getValue()) {
                    list.add(value(f, v));
                }
                out.put(f.getName(), list);
            } else {
                out.put(f.getName(), value(f, field.getValue()));
            }
        }
        return out;
    }

    private static Object value(FieldDescriptor f, Object v) {
        return switch (f.getJavaType()) {
            case MESSAGE -> object((Message) v);
            case ENUM -> ((EnumValueDescriptor) v).getName();
            default -> v;
        };
    }
}
