package io.convserve.importer;

import io.convserve.importer.onnx.OnnxProto.AttributeProto;
import io.convserve.importer.onnx.OnnxProto.NodeProto;
import io.convserve.importer.onnx.OnnxProto.TensorProto;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Constant folding: a node whose inputs are all constants is computed at import time, whatever it does to them, so
 * shape arithmetic ({@code x.view(x.size(0), -1)}) and weights reshaped, transposed or scaled by nodes at run time
 * (older exporters and hand-made graphs) end as plain constants. {@code Shape} of a data tensor folds too, with the
 * batch as {@link #BATCH}.
 */
final class OnnxFolding {

    /** The batch dimension inside folded shape values. */
    static final long BATCH = Long.MIN_VALUE + 1;
    static final List<String> OPERATORS = List.of("Identity", "Cast", "Shape", "ConstantOfShape", "Add", "Sub", "Mul",
            "Div", "Sum", "Equal", "Neg", "Sqrt", "Reciprocal", "Reshape", "Flatten", "Transpose", "Unsqueeze", "Squeeze",
            "Gather", "Concat", "Slice");

    private final Map<String, OnnxConst> constants;
    private final Map<String, long[]> shapes;
    private final BiFunction<TensorProto, String, OnnxConst> tensors;

    OnnxFolding(Map<String, OnnxConst> constants, Map<String, long[]> shapes,
                BiFunction<TensorProto, String, OnnxConst> tensors) {
        this.constants = constants;
        this.shapes = shapes;
        this.tensors = tensors;
    }

    /** Folds the node when all its inputs are constants (or it is Shape of a known tensor); false otherwise. */
    boolean fold(NodeProto n, String where) {
        String op = n.getOpType();
        if (op.equals("Shape")) {
            long[] s = shapes.get(n.getInput(0));
            if (s == null && !constants.containsKey(n.getInput(0))) {
                return false;
            }
            constants.put(n.getOutput(0), OnnxConst.ints(s != null ? s : constants.get(n.getInput(0)).dims()));
            return true;
        }
        if (n.getInputCount() == 0 || n.getInputList().stream().anyMatch(in -> !in.isEmpty()
                && !constants.containsKey(in))) {
            return false;
        }
        OnnxConst x = constants.get(n.getInput(0));
        OnnxConst out = switch (op) {
            case "Identity", "Dropout" -> x;
            case "Cast" -> cast(x, OnnxAttributes.longAttr(n, "to", 1));
            case "ConstantOfShape" -> constantOfShape(n, x, where);
            case "Add", "Sub", "Mul", "Div" -> OnnxBroadcast.apply(op, x, input(n, 1), where);
            case "Sum" -> {
                OnnxConst acc = x;
                for (int i = 1; i < n.getInputCount(); i++) {
                    acc = OnnxBroadcast.apply("Add", acc, input(n, i), where);
                }
                yield acc;
            }
            case "Neg", "Sqrt", "Reciprocal" -> unary(op, x);
            case "Equal" -> {
                OnnxConst d = OnnxBroadcast.apply("Sub", x, input(n, 1), where);
                long[] eq = new long[d.size()];
                for (int i = 0; i < eq.length; i++) {
                    eq[i] = d.get(i) == 0 ? 1 : 0;
                }
                yield new OnnxConst(d.dims(), null, eq);
            }
            case "Reshape" -> x.withDims(reshaped(x, input(n, 1).longs(), where));
            case "Flatten" -> {
                int axis = axis(OnnxAttributes.longAttr(n, "axis", 1), x.dims().length + 1);
                long outer = 1;
                for (int i = 0; i < Math.min(axis, x.dims().length); i++) {
                    outer *= x.dims()[i];
                }
                yield x.withDims(new long[] {outer, x.size() / Math.max(1, outer)});
            }
            case "Transpose" -> OnnxBroadcast.transpose(x, OnnxAttributes.longs(OnnxAttributes.attr(n, "perm")));
            case "Unsqueeze", "Squeeze" -> x.withDims(squeezed(n, x, op.equals("Unsqueeze")));
            case "Gather" -> OnnxBroadcast.gather(x, input(n, 1), (int) OnnxAttributes.longAttr(n, "axis", 0), where);
            case "Concat" -> {
                OnnxConst acc = x;
                for (int i = 1; i < n.getInputCount(); i++) {
                    acc = OnnxBroadcast.concat(acc, input(n, i), OnnxAttributes.longAttr(n, "axis", 0), where);
                }
                yield acc;
            }
            case "Slice" -> OnnxBroadcast.slice(x, sliceArgs(n), where);
            default -> throw new ImportException(where + ": computes on constants only, and this operator cannot be "
                    + "folded. Foldable operators: " + OPERATORS);
        };
        constants.put(n.getOutput(0), out);
        return true;
    }

    private OnnxConst input(NodeProto n, int i) {
        return constants.get(n.getInput(i));
    }

    private static OnnxConst cast(OnnxConst x, long to) {
        boolean toFloat = to == TensorProto.DataType.FLOAT_VALUE || to == TensorProto.DataType.DOUBLE_VALUE
                || to == TensorProto.DataType.FLOAT16_VALUE;
        if (toFloat == x.isFloat()) {
            return x;
        }
        if (toFloat) {
            return new OnnxConst(x.dims(), x.array().data(), null);
        }
        return new OnnxConst(x.dims(), null, x.longs());
    }

    private OnnxConst constantOfShape(NodeProto n, OnnxConst x, String where) {
        long[] dims = x.longs();
        int count = (int) Arrays.stream(dims).reduce(1, (a, c) -> a * c);
        AttributeProto value = OnnxAttributes.attr(n, "value");
        OnnxConst v = value == null ? new OnnxConst(new long[0], new float[] {0f}, null)
                : tensors.apply(value.getT(), where);
        if (!v.isFloat()) {
            long[] out = new long[count];
            Arrays.fill(out, v.ints()[0]);
            return new OnnxConst(dims, null, out);
        }
        float[] out = new float[count];
        Arrays.fill(out, v.floats()[0]);
        return new OnnxConst(dims, out, null);
    }

    private static OnnxConst unary(String op, OnnxConst x) {
        float[] out = new float[x.size()];
        for (int i = 0; i < out.length; i++) {
            double v = x.get(i);
            out[i] = (float) switch (op) {
                case "Neg" -> -v;
                case "Sqrt" -> Math.sqrt(v);
                default -> 1.0 / v;
            };
        }
        if (!x.isFloat() && op.equals("Neg")) {
            long[] ints = new long[out.length];
            for (int i = 0; i < ints.length; i++) {
                ints[i] = -x.ints()[i];
            }
            return new OnnxConst(x.dims(), null, ints);
        }
        return new OnnxConst(x.dims(), out, null);
    }

    /** ONNX Reshape's target: 0 copies the input's dimension, one -1 takes what is left. */
    static long[] reshaped(OnnxConst x, long[] target, String where) {
        long[] dims = target.clone();
        long known = 1;
        int free = -1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 0 && i < x.dims().length) {
                dims[i] = x.dims()[i];
            }
            if (dims[i] == -1) {
                free = i;
            } else {
                known *= dims[i];
            }
        }
        if (free >= 0) {
            dims[free] = known == 0 ? 0 : x.size() / known;
        }
        if (Arrays.stream(dims).reduce(1, (a, c) -> a * c) != x.size()) {
            throw new ImportException(where + ": cannot reshape a constant of shape " + Arrays.toString(x.dims())
                    + " to " + Arrays.toString(target));
        }
        return dims;
    }

    /** Axes from the attribute (before opset 13) or the second input (from 13). */
    private long[] axesOf(NodeProto n) {
        AttributeProto axes = OnnxAttributes.attr(n, "axes");
        if (axes != null) {
            return OnnxAttributes.longs(axes);
        }
        return n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? input(n, 1).longs() : null;
    }

    private long[] squeezed(NodeProto n, OnnxConst x, boolean unsqueeze) {
        long[] axes = axesOf(n);
        long[] in = x.dims();
        if (unsqueeze) {
            int rank = in.length + axes.length;
            long[] out = new long[rank];
            boolean[] inserted = new boolean[rank];
            for (long a : axes) {
                inserted[axis(a, rank)] = true;
            }
            for (int i = 0, j = 0; i < rank; i++) {
                out[i] = inserted[i] ? 1 : in[j++];
            }
            return out;
        }
        boolean[] dropped = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            dropped[i] = axes == null && in[i] == 1;
        }
        if (axes != null) {
            for (long a : axes) {
                dropped[axis(a, in.length)] = true;
            }
        }
        return java.util.stream.IntStream.range(0, in.length).filter(i -> !dropped[i]).mapToLong(i -> in[i]).toArray();
    }

    private long[][] sliceArgs(NodeProto n) {
        if (OnnxAttributes.attr(n, "starts") != null) { // opset < 10: attributes
            return new long[][] {OnnxAttributes.longs(OnnxAttributes.attr(n, "starts")),
                OnnxAttributes.longs(OnnxAttributes.attr(n, "ends")),
                OnnxAttributes.attr(n, "axes") == null ? null : OnnxAttributes.longs(OnnxAttributes.attr(n, "axes")),
                null};
        }
        long[][] args = new long[4][];
        for (int i = 1; i < Math.min(5, n.getInputCount()); i++) {
            args[i - 1] = n.getInput(i).isEmpty() ? null : input(n, i).longs();
        }
        return args;
    }

    static int axis(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }
}
