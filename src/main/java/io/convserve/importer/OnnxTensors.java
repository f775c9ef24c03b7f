package io.convserve.importer;

import static io.convserve.importer.OnnxAttributes.longs;

import com.google.protobuf.ByteString;
import io.convserve.importer.onnx.OnnxProto.AttributeProto;
import io.convserve.importer.onnx.OnnxProto.NodeProto;
import io.convserve.importer.onnx.OnnxProto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads ONNX tensors (initializers, Constant nodes' values) into {@link OnnxConst}: float32/float64 and int32/int64,
 * raw or typed, inside the model or in an external data file that came with it.
 */
final class OnnxTensors {

    private final Function<String, byte[]> externalData;
    private final Map<String, byte[]> externalFiles = new HashMap<>();

    /** @param externalData a plain file name to its bytes, or null (null: no external file came with the model) */
    OnnxTensors(Function<String, byte[]> externalData) {
        this.externalData = externalData;
    }

    OnnxConst constantNode(NodeProto n, String where) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return tensor(a.getT(), where);
                case "value_float":
                    return new OnnxConst(new long[0], new float[] {a.getF()}, null);
                case "value_floats":
                    float[] f = new float[a.getFloatsCount()];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = a.getFloats(i);
                    }
                    return new OnnxConst(new long[] {f.length}, f, null);
                case "value_int":
                    return new OnnxConst(new long[0], null, new long[] {a.getI()});
                case "value_ints":
                    return OnnxConst.ints(longs(a));
                default:
                    break;
            }
        }
        throw new ImportException(where + ": a Constant without a numeric value cannot be imported");
    }

    OnnxConst tensor(TensorProto t, String where) {
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        ByteString raw = t.getDataLocation() == TensorProto.DataLocation.EXTERNAL ? external(t, where)
                : t.getRawData();
        ByteBuffer buf = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.getDataType()) {
            case 1: { // FLOAT
                float[] f;
                if (!raw.isEmpty()) {
                    f = new float[raw.size() / 4];
                    buf.asFloatBuffer().get(f);
                } else {
                    f = new float[t.getFloatDataCount()];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = t.getFloatData(i);
                    }
                }
                return new OnnxConst(dims, f, null);
            }
            case 11: { // DOUBLE
                double[] d;
                if (!raw.isEmpty()) {
                    d = new double[raw.size() / 8];
                    buf.asDoubleBuffer().get(d);
                } else {
                    d = t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
                }
                float[] f = new float[d.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) d[i];
                }
                return new OnnxConst(dims, f, null);
            }
            case 7: { // INT64
                long[] v;
                if (!raw.isEmpty()) {
                    v = new long[raw.size() / 8];
                    buf.asLongBuffer().get(v);
                } else {
                    v = t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
                }
                return new OnnxConst(dims, null, v);
            }
            case 6: { // INT32
                long[] v;
                if (!raw.isEmpty()) {
                    v = new long[raw.size() / 4];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = buf.getInt(4 * i);
                    }
                } else {
                    v = t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
                }
                return new OnnxConst(dims, null, v);
            }
            default:
                throw new ImportException(where + ": tensor data type " + t.getDataType() + " is not supported "
                        + "(float32, float64, int32 and int64 are)");
        }
    }

    /** The raw bytes of a tensor stored in an external file ({@code location}, {@code offset}, {@code length}). */
    private ByteString external(TensorProto t, String where) {
        Map<String, String> info = new HashMap<>();
        t.getExternalDataList().forEach(e -> info.put(e.getKey(), e.getValue()));
        String location = info.get("location");
        byte[] file = externalData == null || location == null ? null
                : externalFiles.computeIfAbsent(location, externalData);
        if (file == null) {
            throw new ImportException(where + ": stored in an external data file ('" + location + "'), which did not "
                    + "come with the model; import the .onnx file from its folder (the import command reads the file "
                    + "beside it), upload it as a second file of the version (\"file:1/" + location + "\"), or save "
                    + "the weights inside: torch.onnx.export(..., external_data=False), onnx.save(model, path, "
                    + "save_as_external_data=False)");
        }
        long offset = Long.parseLong(info.getOrDefault("offset", "0"));
        long length = info.containsKey("length") ? Long.parseLong(info.get("length")) : file.length - offset;
        if (offset < 0 || length < 0 || offset + length > file.length) {
            throw new ImportException(where + ": offset " + offset + " and length " + length + " lie outside its "
                    + "external data file '" + location + "' of " + file.length + " bytes");
        }
        return ByteString.copyFrom(file, (int) offset, (int) length);
    }
}
