package io.convserve.serving;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The tensor datatypes of the Open Inference Protocol that a client may send. Every one is converted to the
 * model's FP32; integers must be whole and in range.
 */
public enum Datatype {
    FP32(4), FP64(8), FP16(2), INT8(1), INT16(2), INT32(4), INT64(8), UINT8(1), UINT16(2), UINT32(4), UINT64(8);

    public static final List<String> NAMES = Arrays.stream(values()).map(Enum::name).toList();

    private final int bytes;

    Datatype(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public static Datatype parse(String name) {
        for (Datatype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    public boolean isInteger() {
        return this != FP32 && this != FP64 && this != FP16;
    }

    /** Smallest and largest value of an integer type (UINT64/INT64 as doubles). */
    public double min() {
        return switch (this) {
            case INT8 -> Byte.MIN_VALUE;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case INT64 -> Long.MIN_VALUE;
            case UINT8, UINT16, UINT32, UINT64 -> 0;
            default -> Double.NEGATIVE_INFINITY;
        };
    }

    public double max() {
        return switch (this) {
            case INT8 -> Byte.MAX_VALUE;
            case INT16 -> Short.MAX_VALUE;
            case INT32 -> Integer.MAX_VALUE;
            case INT64 -> Long.MAX_VALUE;
            case UINT8 -> 255;
            case UINT16 -> 65535;
            case UINT32 -> 4294967295.0;
            case UINT64 -> 18446744073709551615.0;
            default -> Double.POSITIVE_INFINITY;
        };
    }

    /** Reads element {@code i} of a little-endian buffer as a float. */
    public float read(ByteBuffer buffer, int i) {
        int at = i * bytes;
        return switch (this) {
            case FP32 -> buffer.getFloat(at);
            case FP64 -> (float) buffer.getDouble(at);
            case FP16 -> halfToFloat(buffer.getShort(at));
            case INT8 -> buffer.get(at);
            case INT16 -> buffer.getShort(at);
            case INT32 -> buffer.getInt(at);
            case INT64 -> buffer.getLong(at);
            case UINT8 -> buffer.get(at) & 0xFF;
            case UINT16 -> buffer.getShort(at) & 0xFFFF;
            case UINT32 -> buffer.getInt(at) & 0xFFFFFFFFL;
            case UINT64 -> unsigned(buffer.getLong(at));
        };
    }

    /** Reads {@code out.length} elements of a little-endian buffer from its start; FP32 in one bulk copy. */
    public void readAll(ByteBuffer buffer, float[] out) {
        if (this == FP32) {
            buffer.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = read(buffer, i);
        }
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrives only in Java 20). */
    public static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static float unsigned(long v) {
        return v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
    }
}
