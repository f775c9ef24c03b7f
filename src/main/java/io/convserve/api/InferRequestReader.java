package io.convserve.api;

import io.convserve.serving.Datatype;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses a v2 infer request: JSON alone, or a JSON header of {@code Inference-Header-Content-Length} bytes
 * followed by the binary tensors it announces with {@code binary_data_size} (little-endian, row-major).
 * Every element becomes a float; shapes and sizes are checked here, model-specific checks come later.
 */
final class InferRequestReader {

    /** A decoded input tensor. */
    record Input(String name, Datatype datatype, long[] shape, float[] values) {
    }

    /** An output the client asked for, with the protocol's per-output parameters. */
    record Output(String name, boolean binary, int classification) {
    }

    /** @param timeoutMicros the request's {@code parameters.timeout} (Triton: microseconds), 0 when absent */
    record Request(String id, List<Input> inputs, List<Output> outputs, boolean binaryOutputs, long timeoutMicros) {
    }

    private static final JsonMapper MAPPER = JsonValueLimit.MAPPER;

    /** Largest number of elements in one tensor (2^31-1 is Java's array bound). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private InferRequestReader() {
    }

    /**
     * @param maxElements the most elements one input tensor may have (max batch x the model's example size),
     *                    checked before anything is allocated for it
     */
    static Request read(byte[] body, Integer headerLength, long maxElements) {
        return read(body, headerLength, maxElements, Long.MAX_VALUE, () -> "");
    }

    /**
     * @param maxValues the most JSON values the JSON part may hold (counted while streaming it, before any tree is
     *                  built; 413 beyond), with {@code rule} saying where the limit comes from
     */
    static Request read(byte[] body, Integer headerLength, long maxElements, long maxValues,
                        java.util.function.Supplier<String> rule) {
        int jsonLength = body.length;
        if (headerLength != null) {
            if (headerLength < 0 || headerLength > body.length) {
                throw ApiException.badRequest("Inference-Header-Content-Length is " + headerLength
                        + " but the request body has " + body.length + " bytes");
            }
            jsonLength = headerLength;
        }
        if (jsonLength == 0) {
            throw ApiException.badRequest("request body is empty; expected a JSON infer request {\"inputs\": [...]}");
        }
        JsonValueLimit.check(body, 0, jsonLength, maxValues, rule);
        JsonNode root;
        try {
            root = MAPPER.readTree(body, 0, jsonLength);
        } catch (JacksonException e) {
            throw ApiException.badRequest("request body is not valid JSON: " + e.getOriginalMessage()
                    + (headerLength == null && looksBinary(body)
                    ? " (binary tensor data needs the Inference-Header-Content-Length header)" : ""));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("infer request must be a JSON object with \"inputs\". Received: "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        ByteBuffer binary = ByteBuffer.wrap(body, jsonLength, body.length - jsonLength).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        JsonNode idNode = root.get("id");
        if (idNode != null && !idNode.isNull() && !idNode.isString() && !idNode.isNumber()) {
            throw ApiException.badRequest("\"id\" must be a string. Received: " + abbreviate(idNode));
        }
        String id = idNode == null || idNode.isNull() ? null : idNode.isString() ? idNode.asString() : idNode.toString();
        boolean binaryOutputs = bool(root.get("parameters"), "binary_data_output");
        long timeoutMicros = timeout(root.get("parameters"));
        JsonNode inputsNode = root.get("inputs");
        if (inputsNode == null || !inputsNode.isArray() || inputsNode.isEmpty()) {
            throw ApiException.badRequest("infer request needs \"inputs\": a non-empty list of tensors "
                    + "{\"name\", \"shape\", \"datatype\", \"data\"}");
        }
        List<Input> inputs = new ArrayList<>();
        for (JsonNode node : inputsNode) {
            inputs.add(input(node, binary, maxElements));
        }
        if (binary.hasRemaining()) {
            throw ApiException.badRequest("request has " + binary.remaining()
                    + " bytes of binary data that no input claims with binary_data_size");
        }
        List<Output> outputs = new ArrayList<>();
        JsonNode outputsNode = root.get("outputs");
        if (outputsNode != null && !outputsNode.isNull()) {
            if (!outputsNode.isArray()) {
                throw ApiException.badRequest("\"outputs\" must be a list of {\"name\", \"parameters\"}");
            }
            for (JsonNode node : outputsNode) {
                outputs.add(output(node, binaryOutputs));
            }
        }
        return new Request(id, inputs, outputs, binaryOutputs, timeoutMicros);
    }

    private static Input input(JsonNode node, ByteBuffer binary, long maxElements) {
        String name = node.path("name").isString() ? node.get("name").asString() : null;
        if (name == null) {
            throw ApiException.badRequest("every input needs a string \"name\". Received: " + abbreviate(node));
        }
        String where = "input '" + name + "'";
        String typeName = node.path("datatype").isString() ? node.get("datatype").asString() : null;
        Datatype datatype = Datatype.parse(typeName);
        if (datatype == null) {
            throw ApiException.badRequest(where + ": datatype " + (typeName == null ? "is missing" : "'" + typeName
                    + "' is not supported") + ". Expected one of " + Datatype.NAMES + " (converted to FP32)");
        }
        long[] shape = shape(node.get("shape"), where);
        long elements = 1;
        for (long d : shape) {
            elements *= d;
            if (elements > Math.min(MAX_ELEMENTS, maxElements)) {
                throw ApiException.badRequest(where + ": shape " + Arrays.toString(shape) + " has more elements than "
                        + "the model accepts in one request (" + maxElements + ": its max_batch_size, or 1 when that is 0, "
                        + "times one example)");
            }
        }
        JsonNode parameters = node.get("parameters");
        if (parameters != null && parameters.has("binary_data_size")) {
            long size = parameters.get("binary_data_size").asLong(-1);
            long expected = elements * datatype.bytes();
            if (size != expected) {
                throw ApiException.badRequest(where + ": binary_data_size is " + size + " bytes but shape "
                        + Arrays.toString(shape) + " of " + datatype + " needs " + expected);
            }
            if (size > binary.remaining()) {
                throw ApiException.badRequest(where + ": binary_data_size is " + size + " bytes but only "
                        + binary.remaining() + " bytes of binary data follow the JSON header");
            }
            ByteBuffer slice = binary.slice().order(ByteOrder.LITTLE_ENDIAN).limit((int) size);
            binary.position(binary.position() + (int) size);
            float[] values = new float[(int) elements];
            datatype.readAll(slice, values);
            return new Input(name, datatype, shape, checkFinite(values, where));
        }
        JsonNode data = node.get("data");
        if (data == null || data.isNull()) {
            throw ApiException.badRequest(where + ": \"data\" is missing (or give parameters.binary_data_size "
                    + "with binary tensor data)");
        }
        float[] values = new float[(int) elements];
        int[] count = {0};
        flatten(data, values, count, datatype, where);
        if (count[0] != elements) {
            throw ApiException.badRequest(where + ": shape " + Arrays.toString(shape) + " needs " + elements
                    + " values, received " + count[0]);
        }
        return new Input(name, datatype, shape, checkFinite(values, where));
    }

    private static void flatten(JsonNode data, float[] out, int[] count, Datatype datatype, String where) {
        if (data.isArray()) {
            for (JsonNode child : data) {
                flatten(child, out, count, datatype, where);
            }
            return;
        }
        if (!data.isNumber()) {
            throw ApiException.badRequest(where + ": data must hold numbers (flat or nested lists). Received: "
                    + abbreviate(data) + " at element " + count[0]);
        }
        if (count[0] >= out.length) {
            count[0]++;
            return;
        }
        double v = data.asDouble();
        if (datatype.isInteger() && (v != Math.rint(v) || v < datatype.min() || v > datatype.max())) {
            throw ApiException.badRequest(where + ": element " + count[0] + " is " + data + ", not a valid "
                    + datatype + " value (" + (long) datatype.min() + " to " + (long) datatype.max() + ")");
        }
        out[count[0]++] = (float) v;
    }

    private static float[] checkFinite(float[] values, String where) {
        return io.convserve.serving.InferenceRequests.checkFinite(values, where);
    }

    private static long[] shape(JsonNode node, String where) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiException.badRequest(where + ": \"shape\" must be a non-empty list of positive integers, "
                    + "batch first. Received: " + abbreviate(node));
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 1) {
                throw ApiException.badRequest(where + ": \"shape\" must be a list of positive integers. Received: "
                        + abbreviate(node));
            }
            shape[i] = d.asLong();
        }
        return shape;
    }

    private static Output output(JsonNode node, boolean binaryDefault) {
        String name = node.path("name").isString() ? node.get("name").asString() : null;
        if (name == null) {
            throw ApiException.badRequest("every requested output needs a string \"name\". Received: "
                    + abbreviate(node));
        }
        JsonNode parameters = node.get("parameters");
        boolean binary = parameters != null && parameters.has("binary_data")
                ? bool(parameters, "binary_data", "output '" + name + "': parameter binary_data") : binaryDefault;
        int classification = 0;
        if (parameters != null && parameters.has("classification")) {
            JsonNode c = parameters.get("classification");
            if (!c.isIntegralNumber() || !c.canConvertToInt() || c.asInt() < 1) {
                throw ApiException.badRequest("output '" + name + "': parameter classification must be a positive "
                        + "integer (the number of top classes). Received: " + c);
            }
            classification = c.asInt();
        }
        return new Output(name, binary, classification);
    }

    private static long timeout(JsonNode parameters) {
        if (parameters == null || !parameters.has("timeout")) {
            return 0;
        }
        JsonNode t = parameters.get("timeout");
        if (!t.canConvertToLong() || !t.isIntegralNumber() || t.asLong() < 0) {
            throw ApiException.badRequest("parameters.timeout must be a non-negative integer number of microseconds. "
                    + "Received: " + t);
        }
        return t.asLong();
    }

    private static boolean bool(JsonNode parameters, String key) {
        return parameters != null && parameters.has(key) && bool(parameters, key, "parameter " + key);
    }

    private static boolean bool(JsonNode parameters, String key, String what) {
        JsonNode v = parameters.get(key);
        if (!v.isBoolean()) {
            throw ApiException.badRequest(what + " must be true or false. Received: " + abbreviate(v));
        }
        return v.asBoolean();
    }

    private static boolean looksBinary(byte[] body) {
        int n = Math.min(body.length, 64);
        for (int i = 0; i < n; i++) {
            if (body[i] == 0) {
                return true;
            }
        }
        return false;
    }

    static String abbreviate(Object node) {
        String s = String.valueOf(node);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
