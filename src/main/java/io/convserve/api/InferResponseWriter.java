package io.convserve.api;

import io.convserve.registry.LoadedModel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a v2 infer response: JSON tensors, or a JSON header followed by binary tensors
 * ({@code binary_data_size} per output, {@code Inference-Header-Content-Length} header), and the
 * {@code classification} extension's {@code "score:index:label"} strings.
 */
final class InferResponseWriter {

    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** One output tensor to return: FP32 values, or BYTES strings for classification. */
    record Tensor(String name, long[] shape, float[] values, List<String> strings, boolean binary) {
    }

    private InferResponseWriter() {
    }

    /** Top-{@code k} classes of each row of {@code [N, classes]} values as {@code "score:index:label"}. */
    static Tensor classification(String name, long[] shape, float[] values, int k, LoadedModel model, boolean binary) {
        io.convserve.serving.InferenceRequests.Classes classes =
                io.convserve.serving.InferenceRequests.classification(shape, values, k, model);
        return new Tensor(name, classes.shape(), null, classes.strings(), binary);
    }

    static ResponseEntity<byte[]> write(LoadedModel model, String id, List<Tensor> tensors) {
        List<Map<String, Object>> outputs = new ArrayList<>();
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        for (Tensor t : tensors) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", t.name());
            out.put("datatype", t.strings() != null ? "BYTES" : "FP32");
            out.put("shape", t.shape());
            if (t.binary()) {
                byte[] bytes = t.strings() != null ? bytes(t.strings()) : bytes(t.values());
                out.put("parameters", Map.of("binary_data_size", bytes.length));
                binary.writeBytes(bytes);
            } else {
                out.put("data", t.strings() != null ? t.strings() : t.values());
            }
            outputs.add(out);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_name", model.name());
        body.put("model_version", model.version());
        if (id != null) {
            body.put("id", id);
        }
        body.put("outputs", outputs);
        byte[] json = MAPPER.writeValueAsBytes(body);
        if (binary.size() == 0) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(json);
        }
        byte[] all = new byte[json.length + binary.size()];
        System.arraycopy(json, 0, all, 0, json.length);
        System.arraycopy(binary.toByteArray(), 0, all, json.length, binary.size());
        HttpHeaders headers = new HttpHeaders();
        headers.set(HEADER_LENGTH, Integer.toString(json.length));
        headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        return ResponseEntity.ok().headers(headers).body(all);
    }

    private static byte[] bytes(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    /** BYTES elements: a 4-byte little-endian length, then the UTF-8 bytes. */
    private static byte[] bytes(List<String> strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }
}
