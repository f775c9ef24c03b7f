package io.convserve.api;

import io.convserve.registry.LoadedModel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a v2 infer response: JSON tensors, or a JSON header followed by binary tensors
 * ({@code binary_data_size} per output, {@code Inference-Header-Content-Length} header), and the
 * {@code classification} extension's {@code "score:index:label"} strings.
 */
public final class InferResponseWriter {

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

    /**
     * An infer answer: JSON, or a JSON header of {@code jsonLength} bytes followed by binary tensors. Its own type, not
     * a {@link ResponseEntity}: the fast lane writes it to the servlet response directly.
     */
    public record Answer(byte[] body, int jsonLength) {

        public boolean binary() {
            return jsonLength < body.length;
        }

        public String contentType() {
            return binary() ? MediaType.APPLICATION_OCTET_STREAM_VALUE : MediaType.APPLICATION_JSON_VALUE;
        }

        ResponseEntity<byte[]> toResponseEntity() {
            HttpHeaders headers = new HttpHeaders();
            if (binary()) {
                headers.set(HEADER_LENGTH, Integer.toString(jsonLength));
            }
            headers.set(HttpHeaders.CONTENT_TYPE, contentType());
            return ResponseEntity.ok().headers(headers).body(body);
        }
    }

    static Answer write(LoadedModel model, String id, List<Tensor> tensors) {
        List<byte[]> binary = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        // written by the streaming generator: a tree or a map costs more than the rest of a small answer
        try (JsonGenerator json = MAPPER.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringProperty("model_name", model.name());
            json.writeStringProperty("model_version", model.version());
            if (id != null) {
                json.writeStringProperty("id", id);
            }
            json.writeName("outputs");
            json.writeStartArray();
            for (Tensor t : tensors) {
                json.writeStartObject();
                json.writeStringProperty("name", t.name());
                json.writeStringProperty("datatype", t.strings() != null ? "BYTES" : "FP32");
                json.writeName("shape");
                json.writeArray(t.shape(), 0, t.shape().length);
                if (t.binary()) {
                    byte[] bytes = t.strings() != null ? bytes(t.strings()) : bytes(t.values());
                    json.writeName("parameters");
                    json.writeStartObject();
                    json.writeNumberProperty("binary_data_size", bytes.length);
                    json.writeEndObject();
                    binary.add(bytes);
                } else {
                    json.writeName("data");
                    json.writeStartArray();
                    if (t.strings() != null) {
                        for (String v : t.strings()) {
                            json.writeString(v);
                        }
                    } else {
                        for (float v : t.values()) {
                            json.writeNumber(v);
                        }
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        int jsonLength = out.size();
        binary.forEach(out::writeBytes);
        return new Answer(out.toByteArray(), jsonLength);
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
