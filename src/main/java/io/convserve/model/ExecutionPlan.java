package io.convserve.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network's forward pass for one batch size, as the {@link Planner} laid it out: steps with their kernels, op
 * objects and buffers built once (docs/design.md#serving-engine), so that a run allocates nothing. Not thread-safe: one plan per worker
 * thread and batch size.
 */
public final class ExecutionPlan {

    /**
     * What one step does, for users ({@code GET /v2/models/{m}/plan}) and profiles: the layers it computes (none for
     * a layout copy the planner inserted), its kernel, the layouts it reads and writes, what it fused.
     */
    public record StepInfo(int index, List<String> layers, String op, Kernel kernel, Layout inputLayout,
                           Layout outputLayout, List<String> fused, boolean inPlace, List<Long> outputShape) {
    }

    /** A step with its buffers: {@code in}/{@code out} are the plan's tensors, the arrays are the op's views. */
    private record Bound(StepInfo info, Buf in, Buf out, Op.Step step, INDArray outArray, Layout layout) {

        void run() {
            if (step instanceof Op.Native n) {
                in.array();
                n.run().run();
                out.arrayWritten();
            } else if (step instanceof Op.Java j) {
                float[] x = in.heap();
                j.kernel().run(x, out.heapForWriting(in == out));
            }
        }

        /** The step's result as NCHW (or flat), copied out of the plan's buffer. */
        INDArray copy() {
            out.array();
            INDArray view = layout == Layout.NHWC ? outArray.permute(0, 3, 1, 2) : outArray;
            return view.dup('c');
        }
    }

    private final int batch;
    private final Buf input;
    private final List<Bound> steps;
    private final Buf output;
    private final INDArray outputArray;
    /** Layers whose own output no step keeps (an activation fused into their step). */
    private final Set<String> fusedAway;
    private final Network network;
    /** The same pass without fusions, made when a caller asks for the output of a layer fused away. */
    private ExecutionPlan unfused;

    ExecutionPlan(Network network, int batch, Planner.Options options) {
        this.network = network;
        this.batch = batch;
        Architecture architecture = network.architecture();
        Shape inputShape = architecture.inputShape();
        this.input = new Buf(Nd4j.create(DataType.FLOAT, inputShape.withBatch(batch)));
        List<Planner.Planned> planned = Planner.plan(architecture, network.parameters(), batch, options);
        List<Bound> bound = new ArrayList<>();
        Buf current = input;
        INDArray currentArray = input.target();
        Layout layout = Layout.natural(inputShape);
        Shape shape = inputShape;
        Set<String> hidden = new HashSet<>();
        for (Planner.Planned p : planned) {
            if (p.inLayout() != layout) {
                Bound t = transpose(bound.size(), current, currentArray, layout, p.inLayout(), shape);
                if (t != null) {
                    bound.add(t);
                    current = t.out();
                    currentArray = t.outArray();
                } else {
                    currentArray = currentArray.reshape('c', p.inLayout().shape(shape, batch));
                }
                layout = p.inLayout();
            }
            Op op = p.op();
            Layout outLayout = p.outLayout();
            long[] outDims = outLayout.shape(op.outputShape(), batch);
            Buf out;
            INDArray outArray;
            if (p.kernel() == Kernel.VIEW) {
                out = current;
                outArray = currentArray.reshape('c', outDims);
            } else if (op.inPlace()) {
                out = current;
                outArray = currentArray;
            } else {
                out = new Buf(Nd4j.create(DataType.FLOAT, outDims));
                outArray = out.target();
            }
            Op.Step step = op.step(p.kernel(), new Op.Bind(currentArray, outArray, p.inLayout(), p.activation(),
                    p.alpha(), batch));
            List<String> names = p.layers().stream().map(Layer::name).toList();
            hidden.addAll(names.subList(0, names.size() - 1));
            boolean inPlace = op.inPlace() && p.kernel() != Kernel.VIEW;
            bound.add(new Bound(info(bound.size(), p, names, outDims, inPlace), current, out, step, outArray,
                    outLayout));
            current = out;
            currentArray = outArray;
            layout = outLayout;
            shape = op.outputShape();
        }
        Layout natural = Layout.natural(shape);
        if (layout != natural) {
            Bound t = transpose(bound.size(), current, currentArray, layout, natural, shape);
            if (t != null) {
                bound.add(t);
                current = t.out();
                currentArray = t.outArray();
            } else {
                currentArray = currentArray.reshape('c', natural.shape(shape, batch));
            }
        }
        this.steps = List.copyOf(bound);
        this.output = current;
        this.outputArray = currentArray;
        this.fusedAway = Set.copyOf(hidden);
    }

    /**
     * The steps a plan for {@code batch} examples would run, without building it (no buffers): the same planner
     * decisions and layout copies as {@link #steps()} of {@code network.plan(batch)}.
     */
    static List<StepInfo> describe(Network network, int batch) {
        Architecture architecture = network.architecture();
        List<StepInfo> infos = new ArrayList<>();
        Shape shape = architecture.inputShape();
        Layout layout = Layout.natural(shape);
        for (Planner.Planned p : Planner.plan(architecture, network.parameters(), batch, Planner.Options.DEFAULT)) {
            if (p.inLayout() != layout && !Layout.sameMemory(shape)) {
                infos.add(transposeInfo(infos.size(), layout, p.inLayout(), p.inLayout().shape(shape, batch)));
            }
            List<String> names = p.layers().stream().map(Layer::name).toList();
            boolean inPlace = p.op().inPlace() && p.kernel() != Kernel.VIEW;
            infos.add(info(infos.size(), p, names, p.outLayout().shape(p.op().outputShape(), batch), inPlace));
            shape = p.op().outputShape();
            layout = p.outLayout();
        }
        if (layout != Layout.natural(shape) && !Layout.sameMemory(shape)) {
            infos.add(transposeInfo(infos.size(), layout, Layout.natural(shape), shape.withBatch(batch)));
        }
        return infos;
    }

    private static StepInfo transposeInfo(int index, Layout from, Layout to, long[] dims) {
        return new StepInfo(index, List.of(), "transpose", Kernel.NATIVE, from, to, List.of(), false,
                java.util.Arrays.stream(dims).boxed().toList());
    }

    private static StepInfo info(int index, Planner.Planned p, List<String> names, long[] outDims, boolean inPlace) {
        String op = p.layers().stream().map(Layer::type).reduce((a, b) -> a + "+" + b).orElse("");
        List<String> fused = new ArrayList<>();
        if (p.op().addsBias()) {
            fused.add("bias");
        }
        if (p.op().fusesActivation() && p.activation() != Activation.NONE) {
            fused.add(p.activation().id());
        }
        List<Long> dims = java.util.Arrays.stream(outDims).boxed().toList();
        return new StepInfo(index, names, op, p.kernel(), p.inLayout(), p.outLayout(), List.copyOf(fused), inPlace,
                dims);
    }

    /** A layout copy into a new buffer, or null when both layouts are the same memory. */
    private Bound transpose(int index, Buf in, INDArray array, Layout from, Layout to, Shape shape) {
        if (Layout.sameMemory(shape)) {
            return null;
        }
        Buf out = new Buf(Nd4j.create(DataType.FLOAT, to.shape(shape, batch)));
        INDArray source = from == Layout.NCHW ? array.permute(0, 2, 3, 1) : array.permute(0, 3, 1, 2);
        INDArray target = out.target();
        StepInfo info = transposeInfo(index, from, to, target.shape());
        return new Bound(info, in, out, new Op.Native(() -> target.assign(source)), target, to);
    }

    public int batch() {
        return batch;
    }

    /** The steps, in order. */
    public List<StepInfo> steps() {
        return steps.stream().map(Bound::info).toList();
    }

    /**
     * Runs row-major values of {@code [batch, ...input]}: copied into the plan's input buffer, no other array made for
     * the input.
     */
    public Map<String, INDArray> run(float[] values, Set<String> layers) {
        if (values.length != input.target().length()) {
            throw new IllegalArgumentException("expected " + input.target().length() + " values for batch " + batch
                    + ", received " + values.length);
        }
        input.write(values);
        return run(layers);
    }

    /**
     * Runs a batch of exactly {@link #batch()} examples. The returned output (under {@link Network#OUTPUT}) is the
     * plan's own buffer, valid until the next run; the outputs of {@code layers} are copies.
     */
    public Map<String, INDArray> run(INDArray batchInput, Set<String> layers) {
        if (batchInput != input.target()) {
            input.target().assign(batchInput);
        }
        input.arrayWritten();
        return run(layers);
    }

    private Map<String, INDArray> run(Set<String> layers) {
        if (!layers.isEmpty() && layers.stream().anyMatch(fusedAway::contains)) {
            if (unfused == null) {
                unfused = new ExecutionPlan(network, batch, Planner.Options.UNFUSED);
            }
            return unfused.run(input.array(), layers);
        }
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        for (Bound b : steps) {
            b.run();
            // copied as soon as computed: a later in-place step may overwrite the buffer
            if (!layers.isEmpty()) {
                for (String name : b.info().layers()) {
                    if (layers.contains(name)) {
                        outputs.put(name, b.copy());
                    }
                }
            }
        }
        output.array();
        outputs.put(Network.OUTPUT, outputArray);
        return outputs;
    }

    /** Bytes of the buffers this plan holds (input, step outputs and their heap copies). */
    public long bytes() {
        Map<Buf, Boolean> seen = new IdentityHashMap<>();
        seen.put(input, true);
        if (unfused != null) {
            return unfused.bytes() + bytesOf(seen);
        }
        return bytesOf(seen);
    }

    private long bytesOf(Map<Buf, Boolean> seen) {
        steps.forEach(b -> seen.put(b.out(), true));
        return seen.keySet().stream().mapToLong(Buf::bytes).sum();
    }

    /**
     * Runs {@code repeats} passes and answers the mean nanoseconds of each step, in order, keyed by its layers (or
     * by "transpose" and its index), a profile for docs/benchmarks.md; the timing itself adds a clock read per step.
     */
    public Map<String, Long> profile(INDArray batchInput, int repeats) {
        return profile(batchInput, repeats, false);
    }

    /**
     * As {@link #profile(INDArray, int)}; with {@code fastest}, each step's fastest run instead of the mean: on a
     * machine shared with other work the fastest run is the closest to the step's own cost.
     */
    public Map<String, Long> profile(INDArray batchInput, int repeats, boolean fastest) {
        Map<String, Long> nanos = new LinkedHashMap<>();
        input.target().assign(batchInput);
        for (int r = 0; r < repeats; r++) {
            input.arrayWritten();
            for (Bound b : steps) {
                long t0 = System.nanoTime();
                b.run();
                long t = System.nanoTime() - t0;
                nanos.merge(label(b.info()), t, fastest ? Math::min : Long::sum);
            }
        }
        if (!fastest) {
            nanos.replaceAll((k, v) -> v / repeats);
        }
        return nanos;
    }

    /** A step's name in profiles: its layers joined by "+", or "transpose" and the step's index. */
    public static String label(StepInfo info) {
        return info.layers().isEmpty() ? "transpose#" + info.index() : String.join("+", info.layers());
    }
}
