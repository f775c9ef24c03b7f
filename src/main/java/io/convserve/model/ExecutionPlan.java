package io.convserve.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network's forward pass for one batch size with every buffer and op object built once (docs/design.md#serving-engine): each layer
 * that has a planned form reads the previous layer's output buffer and writes its own, so a run allocates only
 * what the unplanned layers allocate. Not thread-safe: one plan per worker thread and batch size.
 */
public final class ExecutionPlan {

    /**
     * A planned layer: {@link #run} computes {@link #output} from the plan-owned input it was built with.
     *
     * <p>A step that works in NHWC (libnd4j's fast forms of LRN and pooling) may leave its result in {@link #nhwc}
     * and fill {@link #output} only when {@link #toNchw} runs; the plan runs it unless the next step reads the
     * NHWC buffer ({@link #readsNhwc}) and the layer's own output was not asked for.
     */
    public record Step(INDArray output, Runnable run, INDArray nhwc, Runnable toNchw, boolean readsNhwc) {

        public Step(INDArray output, Runnable run) {
            this(output, run, null, null, false);
        }

        /** The same step, reading the previous step's NHWC buffer. */
        public Step readingNhwc() {
            return new Step(output, run, nhwc, toNchw, true);
        }
    }

    /** {@code toNchw}: the step's NCHW output must be filled on every run (no next step reads its NHWC buffer). */
    private record Bound(String layer, INDArray in, Step step, Operation fallback, boolean toNchw) {

        /** Runs the planned step: its output is complete unless the next step reads the NHWC buffer. */
        void run(Set<String> layers) {
            step.run().run();
            if (step.toNchw() != null && (toNchw || layers.contains(layer))) {
                step.toNchw().run();
            }
        }
    }

    private final int batch;
    private final long[] inputShape;
    private final INDArray input;
    private final List<Bound> steps;

    ExecutionPlan(Architecture architecture, List<Operation> operations, Map<String, INDArray> parameters, int batch) {
        this.batch = batch;
        List<Shape> shapes = architecture.shapes(architecture.inputShape());
        this.inputShape = architecture.inputShape().withBatch(batch);
        this.input = Nd4j.create(DataType.FLOAT, inputShape);
        List<Bound> bound = new ArrayList<>();
        INDArray current = input;
        INDArray currentNhwc = null;
        for (Layer layer : architecture.layers()) {
            Shape in = shapes.get(layer.index());
            INDArray buffer = current != null ? current : Nd4j.create(DataType.FLOAT, in.withBatch(batch));
            Map<String, INDArray> params = new LinkedHashMap<>();
            for (ParameterSpec p : layer.parameters(in)) {
                params.put(p.name(), parameters.get(layer.name() + "." + p.name()));
            }
            Step step = layer.plan(in, params, buffer, currentNhwc);
            boolean previousReadInNhwc = step != null && step.readsNhwc();
            if (!bound.isEmpty() && previousReadInNhwc) {
                Bound previous = bound.remove(bound.size() - 1);
                bound.add(new Bound(previous.layer(), previous.in(), previous.step(), null, false));
            }
            if (step != null) {
                bound.add(new Bound(layer.name(), buffer, step, null, true));
                current = step.output();
                currentNhwc = step.nhwc();
            } else {
                bound.add(new Bound(layer.name(), null, null, operations.get(layer.index()), false));
                current = null;
                currentNhwc = null;
            }
        }
        this.steps = List.copyOf(bound);
    }

    public int batch() {
        return batch;
    }

    /**
     * Runs row-major values of {@code [batch, ...input]}: copied into the plan's input buffer, no other array made for
     * the input.
     */
    public Map<String, INDArray> run(float[] values, Set<String> layers) {
        if (values.length != input.length()) {
            throw new IllegalArgumentException("expected " + input.length() + " values for batch " + batch
                    + ", received " + values.length);
        }
        input.data().setData(values);
        return run(input, layers);
    }

    /** Bytes of the buffers this plan holds (input and layer outputs; unplanned layers allocate their own). */
    public long bytes() {
        long total = input.length() * 4;
        for (Bound b : steps) {
            if (b.step() != null && b.step().output() != b.in()) {
                total += b.step().output().length() * 4;
            }
            if (b.step() != null && b.step().nhwc() != null) {
                total += b.step().nhwc().length() * 4;
            }
        }
        return total;
    }

    /**
     * Runs {@code repeats} passes and answers the mean nanoseconds each layer took, in order (a profile for
     * docs/benchmarks.md; the timing itself adds a clock read per layer).
     */
    public Map<String, Long> profile(INDArray batchInput, int repeats) {
        Map<String, Long> nanos = new LinkedHashMap<>();
        input.assign(batchInput);
        for (int r = 0; r < repeats; r++) {
            INDArray x = input;
            for (Bound b : steps) {
                long t0 = System.nanoTime();
                if (b.step() != null) {
                    if (x != b.in()) {
                        b.in().assign(x);
                    }
                    b.run(Set.of());
                    x = b.step().output();
                } else {
                    x = b.fallback().apply(x);
                }
                nanos.merge(b.layer(), System.nanoTime() - t0, Long::sum);
            }
        }
        nanos.replaceAll((k, v) -> v / repeats);
        return nanos;
    }

    /** How many layers run in planned form (the rest run their unplanned operation). */
    public long plannedLayers() {
        return steps.stream().filter(b -> b.step() != null).count();
    }

    /**
     * Runs a batch of exactly {@link #batch()} examples. The returned output (under {@link Network#OUTPUT}) is the
     * plan's own buffer, valid until the next run; the outputs of {@code layers} are copies.
     */
    public Map<String, INDArray> run(INDArray batchInput, Set<String> layers) {
        INDArray x = batchInput;
        if (x != input) {
            input.assign(x);
            x = input;
        }
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        for (Bound b : steps) {
            if (b.step() != null) {
                if (x != b.in()) {
                    b.in().assign(x);
                }
                b.run(layers);
                x = b.step().output();
            } else {
                x = b.fallback().apply(x);
            }
            if (layers.contains(b.layer())) {
                outputs.put(b.layer(), x.dup('c'));
            }
        }
        outputs.put(Network.OUTPUT, x);
        return outputs;
    }
}
