package io.convserve.registry;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.convserve.protocol.ModelConfigProto.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Which fields of a Triton model configuration we serve; every other field set in a file is reported by path. */
final class TritonConfigFields {

    /** Dotted field paths we read; a path ending in ".*" covers its whole message. */
    private static final Set<String> SUPPORTED = Set.of("name", "platform", "backend", "max_batch_size",
            "default_model_filename", "version_policy.*", "input.name", "input.data_type", "input.format", "input.dims",
            "output.name", "output.data_type", "output.dims", "output.label_filename",
            "dynamic_batching.preferred_batch_size", "dynamic_batching.max_queue_delay_microseconds",
            "dynamic_batching.default_queue_policy.default_timeout_microseconds",
            "dynamic_batching.default_queue_policy.max_queue_size",
            "dynamic_batching.default_queue_policy.allow_timeout_override", "instance_group.name",
            "instance_group.kind", "instance_group.count", "model_warmup.*");

    private TritonConfigFields() {
    }

    /** The set fields of {@code config} that we do not serve, as sorted dotted paths. */
    static List<String> unsupported(ModelConfig config) {
        Set<String> out = new TreeSet<>();
        walk(config, "", out);
        for (String key : config.getParametersMap().keySet()) {
            if (!TritonConfig.knownParameter(key)) {
                out.add("parameters[\"" + key + "\"]");
            }
        }
        return List.copyOf(new ArrayList<>(out));
    }

    private static void walk(Message message, String prefix, Set<String> out) {
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            String path = prefix + field.getKey().getName();
            if (path.equals("parameters") || SUPPORTED.contains(path) || covered(path)) {
                continue;
            }
            if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.getKey().isMapField()
                    || SUPPORTED.stream().noneMatch(s -> s.startsWith(path + "."))) {
                out.add(path);
                continue;
            }
            List<?> values = field.getValue() instanceof List<?> list ? list : List.of(field.getValue());
            for (Object value : values) {
                walk((Message) value, path + ".", out);
            }
        }
    }

    private static boolean covered(String path) {
        for (String s : SUPPORTED) {
            if (s.endsWith(".*") && (path + ".").startsWith(s.substring(0, s.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
