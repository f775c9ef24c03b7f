package io.convserve.importer;

import static io.convserve.importer.OnnxAttributes.attr;
import static io.convserve.importer.OnnxAttributes.ints;
import static io.convserve.importer.OnnxAttributes.longAttr;
import static io.convserve.importer.OnnxAttributes.stringAttr;

import io.convserve.importer.onnx.OnnxProto.NodeProto;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code F.local_response_norm} as torch.onnx traces it: {@code x*x}, Reshape (or Unsqueeze) to
 * {@code [N, 1, C, H, W]}, Pad of the channel axis by {@code (size/2, (size-1)/2)}, a 3-D AveragePool of
 * {@code [size, 1, 1]} (the sum divided by size), Squeeze back, {@code * alpha}, {@code + k}, {@code ^ beta}, and
 * {@code x / that}: exactly our local_response_norm. Read node by node from the {@code Mul(x, x)} on; any other
 * node in between, or other values, is refused naming it. The legacy exporter's form computes the pads with Slice
 * and Transpose on constants (folded before they reach here), squeezes through an If on the shape (inlined; its
 * Shape of the pooled tensor is answered here) and reshapes once more.
 */
final class OnnxLrnPattern {
    final String start;
    private final String x;
    final long[] input;
    String at;
    private int step;
    private int front = -1;
    private int back = -1;
    int size;
    double alpha;
    double k;
    double beta;

    private final Map<String, OnnxConst> constants;

    OnnxLrnPattern(String start, String x, long[] input, Map<String, OnnxConst> constants) {
        this.start = start;
        this.x = x;
        this.input = input;
        this.constants = constants;
    }

    private OnnxConst constant(NodeProto n, int input, String where) {
        if (n.getInputCount() <= input || !constants.containsKey(n.getInput(input))) {
            throw new ImportException(where + ": input " + input + " must be a constant (initializer)");
        }
        return constants.get(n.getInput(input));
    }

    boolean done() {
        return step == 8;
    }

    void step(NodeProto n, String where) {
        String op = n.getOpType();
        if (op.equals("Shape") && step == 3 && n.getInput(0).equals(at)) {
            // the legacy exporter's "if x.size(1) == 1" squeeze: the pooled tensor is [N, 1, C, H, W]
            constants.put(n.getOutput(0), OnnxConst.ints(OnnxFolding.BATCH, 1, input[1], input[2], input[3]));
            return;
        }
        if ((op.equals("Reshape") || op.equals("Squeeze")) && step == 4 && n.getInput(0).equals(at)) {
            at = n.getOutput(0); // a second reshape after the squeeze, back to [N, C, H, W]
            return;
        }
        String[] expected = {"Reshape or Unsqueeze", "Pad", "AveragePool", "Squeeze or Reshape", "Mul", "Add",
            "Pow", "Div"};
        boolean reads = n.getInputList().contains(at);
        boolean ok = reads && switch (step) {
            case 0 -> op.equals("Reshape") || op.equals("Unsqueeze");
            case 1 -> op.equals("Pad");
            case 2 -> op.equals("AveragePool");
            case 3 -> op.equals("Squeeze") || op.equals("Reshape");
            case 4 -> op.equals("Mul");
            case 5 -> op.equals("Add");
            case 6 -> op.equals("Pow");
            default -> op.equals("Div") && n.getInput(0).equals(x) && n.getInput(1).equals(at);
        };
        if (!ok) {
            throw new ImportException(where + ": reads " + n.getInputList() + " inside what " + start + " began as "
                    + "PyTorch's decomposed LocalResponseNorm (x*x, Reshape, Pad, AveragePool, Squeeze, Mul, Add, "
                    + "Pow, Div); expected " + expected[step] + " of '" + at + "'. Importable operators: "
                    + OnnxImporter.SUPPORTED);
        }
        switch (step) {
            case 1 -> {
                long[] p = constant(n, 1, where).longs();
                if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) {
                    p = OnnxImporter.padsOnAxes(p, constant(n, 3, where).longs(), 5, where);
                }
                boolean zero = n.getInputCount() < 3 || n.getInput(2).isEmpty()
                        || constant(n, 2, where).array().data()[0] == 0f;
                boolean channelsOnly = p.length == 10 && zero && "constant".equals(stringAttr(n, "mode", "constant"));
                for (int i = 0; i < p.length && channelsOnly; i++) {
                    channelsOnly = i == 2 || i == 7 || p[i] == 0;
                }
                if (!channelsOnly) {
                    throw new ImportException(where + ": the padding of a decomposed LocalResponseNorm must be zeros "
                            + "on the channel axis only. Received: pads " + Arrays.toString(p));
                }
                front = (int) p[2];
                back = (int) p[7];
            }
            case 2 -> {
                List<Integer> kernel = ints(attr(n, "kernel_shape"), where + ": attribute kernel_shape");
                List<Integer> strides = attr(n, "strides") == null ? List.of(1, 1, 1) : ints(attr(n, "strides"), where);
                List<Integer> pads = attr(n, "pads") == null ? List.of(0, 0, 0, 0, 0, 0) : ints(attr(n, "pads"), where);
                int s = kernel.isEmpty() ? 0 : kernel.get(0);
                if (!kernel.equals(List.of(s, 1, 1)) || !strides.equals(List.of(1, 1, 1))
                        || pads.stream().anyMatch(v -> v != 0) || longAttr(n, "ceil_mode", 0) != 0
                        || front != s / 2 || back != (s - 1) / 2) {
                    throw new ImportException(where + ": a decomposed LocalResponseNorm must average a window of "
                            + "[size, 1, 1] with stride 1 over channels padded by (size/2, (size-1)/2) (PyTorch's "
                            + "rule, as our local_response_norm). Received: kernel_shape " + kernel + ", strides "
                            + strides + ", pads " + pads + ", channel padding (" + front + ", " + back + ")");
                }
                size = s;
            }
            case 4 -> alpha = scalar(n, where, "alpha");
            case 5 -> k = scalar(n, where, "k");
            case 6 -> beta = scalar(n, where, "beta");
            default -> {
            }
        }
        at = n.getOutput(0);
        step++;
    }

    private double scalar(NodeProto n, String where, String what) {
        String other = n.getInput(0).equals(at) ? n.getInput(1) : n.getInput(0);
        OnnxConst c = constants.get(other);
        float[] v = c == null ? null : c.array().data();
        if (v == null || v.length != 1) {
            throw new ImportException(where + ": the " + what + " of a decomposed LocalResponseNorm must be one "
                    + "constant value. Received: input '" + other + "'" + (v == null ? " (computed)"
                    : " with " + v.length + " values"));
        }
        return v[0];
    }
}
