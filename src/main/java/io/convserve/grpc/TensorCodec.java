package io.convserve.grpc;

import com.google.protobuf.ByteString;
import io.convserve.protocol.GrpcService.InferTensorContents;
import io.convserve.protocol.GrpcService.ModelInferRequest;
import io.convserve.serving.Datatype;
import io.convserve.serving.InferenceRequests;
import io.convserve.serving.InferenceRequests.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Tensor contents of gRPC infer messages: an input's raw little-endian bytes ({@code raw_input_contents}, FP16
 * included) or its typed {@code contents} to FP32 values, and FP32 or BYTES outputs back to raw bytes or typed
 * contents. Sizes are checked against the shape before any array is made.
 */
final class TensorCodec {

    private TensorCodec() {
    }

    static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(InvalidRequestException.Kind.INVALID, message);
    }

    /** Every dimension at least 1; the element count, already checked by the model's shape, as an int. */
    static long[] shape(ModelInferRequest.InferInputTensor input) {
        long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
        if (shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
            throw invalid("input '" + input.getName() + "': shape must be a non-empty list of positive integers, "
                    + "batch first. Received: " + Arrays.toString(shape));
        }
        return shape;
    }

    /** The input's values as floats, from {@code raw} when not null, else from its typed contents. */
    static float[] values(ModelInferRequest.InferInputTensor input, long[] shape, ByteString raw) {
        String where = "input '" + input.getName() + "'";
        Datatype datatype = Datatype.parse(input.getDatatype());
        if (datatype == null) {
            throw invalid(where + ": datatype " + (input.getDatatype().isEmpty() ? "is missing"
                    : "'" + input.getDatatype() + "' is not supported") + ". Expected one of " + Datatype.NAMES
                    + " (converted to FP32)");
        }
        int elements = (int) Arrays.stream(shape).reduce(1, Math::multiplyExact);
        float[] values;
        if (raw != null) {
            long expected = (long) elements * datatype.bytes();
            if (raw.size() != expected) {
                throw invalid(where + ": raw_input_contents has " + raw.size() + " bytes but shape "
                        + Arrays.toString(shape) + " of " + datatype + " needs " + expected);
            }
            ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            values = new float[elements];
            datatype.readAll(buffer, values);
        } else {
            values = typed(input.getContents(), datatype, elements, shape, where);
        }
        return InferenceRequests.checkFinite(values, where);
    }

    private static float[] typed(InferTensorContents c, Datatype datatype, int elements, long[] shape, String where) {
        String field = switch (datatype) {
            case FP32 -> "fp32_contents";
            case FP64 -> "fp64_contents";
            case INT8, INT16, INT32 -> "int_contents";
            case INT64 -> "int64_contents";
            case UINT8, UINT16, UINT32 -> "uint_contents";
            case UINT64 -> "uint64_contents";
            case FP16 -> throw invalid(where + ": FP16 has no typed contents field; send it as raw_input_contents "
                    + "(2 bytes per element, little-endian)");
        };
        int count = switch (datatype) {
            case FP32 -> c.getFp32ContentsCount();
            case FP64 -> c.getFp64ContentsCount();
            case INT8, INT16, INT32 -> c.getIntContentsCount();
            case INT64 -> c.getInt64ContentsCount();
            case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
            default -> c.getUint64ContentsCount();
        };
        if (count != elements) {
            throw invalid(where + ": shape " + Arrays.toString(shape) + " of " + datatype + " needs " + elements
                    + " values in contents." + field + ", received " + count);
        }
        float[] values = new float[elements];
        for (int i = 0; i < elements; i++) {
            double v = switch (datatype) {
                case FP32 -> c.getFp32Contents(i);
                case FP64 -> c.getFp64Contents(i);
                case INT8, INT16, INT32 -> c.getIntContents(i);
                case INT64 -> c.getInt64Contents(i);
                case UINT8, UINT16, UINT32 -> Integer.toUnsignedLong(c.getUintContents(i));
                default -> unsigned(c.getUint64Contents(i));
            };
            if (datatype.isInteger() && (v < datatype.min() || v > datatype.max())) {
                throw invalid(where + ": element " + i + " is " + (long) v + ", not a valid " + datatype + " value ("
                        + (long) datatype.min() + " to " + (long) datatype.max() + ")");
            }
            values[i] = datatype == Datatype.FP32 ? c.getFp32Contents(i) : (float) v;
        }
        return values;
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
    }

    /** FP32 values as raw little-endian bytes, as HTTP's binary tensor data carries them. */
    static ByteString raw(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return ByteString.copyFrom(buffer.array());
    }

    /** BYTES elements as raw bytes: each a 4-byte little-endian length, then its UTF-8 bytes. */
    static ByteString raw(List<String> strings) {
        ByteString.Output out = ByteString.newOutput();
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array(), 0, 4);
            out.write(b, 0, b.length);
        }
        return out.toByteString();
    }

    static InferTensorContents contents(float[] values) {
        InferTensorContents.Builder b = InferTensorContents.newBuilder();
        for (float v : values) {
            b.addFp32Contents(v);
        }
        return b.build();
    }

    static InferTensorContents contents(List<String> strings) {
        InferTensorContents.Builder b = InferTensorContents.newBuilder();
        strings.forEach(s -> b.addBytesContents(ByteString.copyFromUtf8(s)));
        return b.build();
    }
}
