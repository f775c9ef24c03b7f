package io.convserve.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a stack of layers into the steps of an {@link ExecutionPlan} for one batch size. The planner decides, the
 * layers only describe ({@link Op}):
 * <ul>
 * <li>fusions: an activation layer after a convolution or dense layer without one of its own runs inside that
 *     step (bias and activation are always part of the convolution or dense step);</li>
 * <li>kernels: a Java kernel where the work is too small for a native call to pay ({@link #JAVA_MAX_CONV_MACS},
 *     {@link #JAVA_MAX_DENSE_MACS}), the native op otherwise; memory-bound steps stay on the side (heap or
 *     native) their input is on;</li>
 * <li>layouts: each step reads one of the layouts its kernel accepts, chosen over the whole stack (fewest layout
 *     copies, then each op's preferred layout), a transpose inserted only where a consumer needs another layout
 *     than its producer left, and none where both layouts are the same memory (one channel, or one pixel);</li>
 * <li>buffers: element-wise steps write over their input, views (flatten, dropout) share it.</li>
 * </ul>
 */
final class Planner {

    /**
     * Convolution steps of at most this many multiply-accumulates per pass (all examples) run as Java kernels.
     * Measured on LeNet-5 ({@code LayerProfile lenet5 <batch> auto|native fastest}, docs/benchmarks.md): the Java
     * convolution runs at 11-20 GFLOP/s on one core, oneDNN's call costs 25-35 µs at these sizes and reaches
     * 25-80 GFLOP/s from batch 8; conv1 at batch 1 (118 k MACs) takes 12 µs in Java against 35 native, conv2 at
     * batch 1 (240 k) 43 against 26 (kept in Java: it spares the pool and layout copy after it their native calls),
     * conv1 at batch 8 (940 k) 95 against 67.
     */
    static final long JAVA_MAX_CONV_MACS = 300_000;

    /**
     * Dense steps up to this many multiply-accumulates per pass run as Java kernels: 60 GFLOP/s on one core on
     * LeNet's fc1 against a native call (bias copy, gemm, activation) of 11-19 µs; fc1 at batch 8 (384 k MACs)
     * 13 µs against 19, at batch 32 (1.5 M) about 50 against 34.
     */
    static final long JAVA_MAX_DENSE_MACS = 1_000_000;

    /** What the planner may do; tests force one kernel kind to compare both against the reference. */
    record Options(boolean fuse, Kernel force) {
        static final Options DEFAULT = new Options(true, null);
        /** Every layer's own output computed, for callers who ask for it. */
        static final Options UNFUSED = new Options(false, null);
    }

    /** One step before buffers: the layers it computes, its op, kernel, activation and layouts. */
    record Planned(List<Layer> layers, Shape input, Op op, Kernel kernel, Activation activation, double alpha,
                   Layout inLayout, Layout outLayout) {
    }

    private Planner() {
    }

    static List<Planned> plan(Architecture architecture, Map<String, org.nd4j.linalg.api.ndarray.INDArray> parameters,
                              int batch, Options options) {
        List<Shape> shapes = architecture.shapes(architecture.inputShape());
        List<Layer> layers = architecture.layers();
        List<Planned> groups = new ArrayList<>();
        Kernel previous = Kernel.NATIVE;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            Shape in = shapes.get(i);
            Op op = layer.op(in, params(layer, in, parameters));
            List<Layer> members = new ArrayList<>(List.of(layer));
            Activation activation = op.activation();
            double alpha = Activation.DEFAULT_LEAKY_ALPHA;
            if (options.fuse() && op.fusesActivation() && activation == Activation.NONE && i + 1 < layers.size()
                    && layers.get(i + 1) instanceof ActivationLayer next) {
                members.add(next);
                activation = next.activation();
                alpha = next.alpha();
                i++;
            } else if (layer instanceof ActivationLayer a) {
                alpha = a.alpha();
            }
            Kernel kernel = kernel(op, batch, previous, options.force());
            if (kernel != Kernel.VIEW) {
                previous = kernel;
            }
            groups.add(new Planned(members, in, op, kernel, activation, alpha, null, null));
        }
        return layouts(groups, architecture.inputShape());
    }

    private static Map<String, org.nd4j.linalg.api.ndarray.INDArray> params(Layer layer, Shape in,
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> parameters) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> params = new LinkedHashMap<>();
        for (ParameterSpec p : layer.parameters(in)) {
            params.put(p.name(), parameters.get(layer.name() + "." + p.name()));
        }
        return params;
    }

    /** The kernel for one step: see the class comment and {@link #JAVA_MAX_CONV_MACS}, {@link #JAVA_MAX_DENSE_MACS}. */
    static Kernel kernel(Op op, int batch, Kernel previous, Kernel force) {
        if (!op.layouts(Kernel.VIEW).isEmpty()) {
            return Kernel.VIEW;
        }
        boolean java = !op.layouts(Kernel.JAVA).isEmpty();
        boolean nativeOp = !op.layouts(Kernel.NATIVE).isEmpty();
        if (!java || !nativeOp) {
            return java ? Kernel.JAVA : Kernel.NATIVE;
        }
        if (force != null) {
            return force;
        }
        return switch (op.work()) {
            case CONVOLUTION -> op.macs() * batch <= JAVA_MAX_CONV_MACS ? Kernel.JAVA : Kernel.NATIVE;
            case MATRIX_PRODUCT -> op.macs() * batch <= JAVA_MAX_DENSE_MACS ? Kernel.JAVA : Kernel.NATIVE;
            // memory-bound: where the data already is, sparing a copy between heap and native memory
            case MEMORY -> previous;
        };
    }

    /** Cost of a layout copy between steps, the unit of {@link Op#layoutPenalty}. */
    private static final double TRANSPOSE = 1.0;

    /**
     * Chooses every step's input layout by dynamic programming over the stack: the state is the layout the
     * current tensor is in; the plan's input and output are in their natural layout (NCHW or flat).
     */
    private static List<Planned> layouts(List<Planned> groups, Shape inputShape) {
        int n = groups.size();
        Layout[] all = Layout.values();
        double[][] cost = new double[n + 1][all.length];
        Layout[][] chosenIn = new Layout[n][all.length];
        int[][] from = new int[n][all.length];
        for (double[] row : cost) {
            java.util.Arrays.fill(row, Double.POSITIVE_INFINITY);
        }
        cost[0][Layout.natural(inputShape).ordinal()] = 0;
        for (int g = 0; g < n; g++) {
            Planned p = groups.get(g);
            List<Layout> accepted = p.op().layouts(p.kernel());
            for (Layout current : all) {
                double base = cost[g][current.ordinal()];
                if (base == Double.POSITIVE_INFINITY) {
                    continue;
                }
                for (int rank = 0; rank < accepted.size(); rank++) {
                    Layout in = accepted.get(rank);
                    double c = base + switchCost(current, in, p.input()) + preference(p.op(), p.kernel(), rank);
                    Layout out = p.op().outputLayout(in);
                    if (c < cost[g + 1][out.ordinal()]) {
                        cost[g + 1][out.ordinal()] = c;
                        chosenIn[g][out.ordinal()] = in;
                        from[g][out.ordinal()] = current.ordinal();
                    }
                }
            }
        }
        Shape outputShape = n == 0 ? inputShape : groups.get(n - 1).op().outputShape();
        Layout natural = Layout.natural(outputShape);
        int best = -1;
        double bestCost = Double.POSITIVE_INFINITY;
        for (Layout l : all) {
            double c = cost[n][l.ordinal()] + switchCost(l, natural, outputShape);
            if (c < bestCost) {
                bestCost = c;
                best = l.ordinal();
            }
        }
        List<Planned> result = new ArrayList<>(java.util.Collections.nCopies(n, null));
        for (int g = n - 1; g >= 0; g--) {
            Planned p = groups.get(g);
            Layout in = chosenIn[g][best];
            result.set(g, new Planned(p.layers(), p.input(), p.op(), p.kernel(), p.activation(), p.alpha(), in,
                    Layout.values()[best]));
            best = from[g][best];
        }
        return result;
    }

    private static double switchCost(Layout from, Layout to, Shape shape) {
        if (from == to) {
            return 0;
        }
        if ((from == Layout.FLAT) != (to == Layout.FLAT)) {
            return Double.POSITIVE_INFINITY;
        }
        return Layout.sameMemory(shape) ? 0 : TRANSPOSE;
    }

    private static double preference(Op op, Kernel kernel, int rank) {
        return op.layoutPenalty(kernel, rank);
    }
}
