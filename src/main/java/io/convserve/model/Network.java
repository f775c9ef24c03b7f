package io.convserve.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An architecture with its weights, for its declared input shape. Immutable; {@link #forward} (which plans the
 * pass for its batch size on each call) may be called from several threads; a {@link #plan} belongs to one thread.
 */
public final class Network {

    private final Architecture architecture;
    private final Summary summary;
    private final long parameterCount;
    private final Map<String, INDArray> parameters;

    private Network(Architecture architecture, Map<String, INDArray> parameters) {
        this.architecture = architecture;
        this.parameters = java.util.Collections.unmodifiableMap(parameters);
        this.summary = architecture.summarize(architecture.inputShape(), 1);
        this.parameterCount = summary.totals().parameters();
    }

    /**
     * Binds weights keyed {@code <layer>.<param>} (weights.npz names) after strict checks: every array the
     * layers need is present with the exact shape, finite, floating point; no array is left over.
     */
    public static Network create(Architecture architecture, Map<String, INDArray> arrays) {
        Map<String, INDArray> unused = new HashMap<>(arrays);
        List<Shape> shapes = architecture.shapes(architecture.inputShape());
        Map<String, INDArray> bound = new LinkedHashMap<>();
        for (Layer layer : architecture.layers()) {
            Shape in = shapes.get(layer.index());
            Map<String, INDArray> params = new HashMap<>();
            for (ParameterSpec p : layer.parameters(in)) {
                String key = layer.name() + "." + p.name();
                params.put(p.name(), layer.bind(p, checked(layer, key, p, unused.remove(key))));
                bound.put(key, params.get(p.name()));
            }
        }
        if (!unused.isEmpty()) {
            throw new WeightsException("weights has arrays that no layer uses: " + new TreeSet<>(unused.keySet())
                    + ". Expected exactly: " + expectedKeys(architecture, shapes));
        }
        return new Network(architecture, bound);
    }

    private static INDArray checked(Layer layer, String key, ParameterSpec p, INDArray array) {
        String where = layer.type() + " '" + layer.name() + "' (layer " + layer.index() + ")";
        long[] expected = Arrays.copyOfRange(p.shape().withBatch(1), 1, p.shape().rank() + 1);
        if (array == null) {
            throw new WeightsException(where + ": array '" + key + "' is missing; expected shape "
                    + Arrays.toString(expected));
        }
        if (!Arrays.equals(array.shape(), expected)) {
            throw new WeightsException(where + ": array '" + key + "' has shape " + Arrays.toString(array.shape())
                    + ", expected " + Arrays.toString(expected));
        }
        if (!array.dataType().isFPType()) {
            throw new WeightsException(where + ": array '" + key + "' has data type " + array.dataType()
                    + ", expected a floating point type (float32)");
        }
        boolean ready = array.dataType() == DataType.FLOAT && array.ordering() == 'c' && !array.isView();
        INDArray floats = ready ? array : array.castTo(DataType.FLOAT).dup('c');
        if (floats.length() > 0 && !Double.isFinite(floats.sumNumber().doubleValue())) {
            throw new WeightsException(where + ": array '" + key + "' contains NaN or infinite values");
        }
        return floats;
    }

    private static List<String> expectedKeys(Architecture architecture, List<Shape> shapes) {
        List<String> keys = new ArrayList<>();
        for (Layer layer : architecture.layers()) {
            for (ParameterSpec p : layer.parameters(shapes.get(layer.index()))) {
                keys.add(layer.name() + "." + p.name());
            }
        }
        return keys;
    }

    public Architecture architecture() {
        return architecture;
    }

    /** The layer table at the declared input shape, batch 1. */
    public Summary summary() {
        return summary;
    }

    /** The bound weights, keyed {@code <layer>.<param>} as in weights.npz (float32; do not modify). */
    public Map<String, INDArray> parameters() {
        return parameters;
    }

    public long parameterCount() {
        return parameterCount;
    }

    public Shape inputShape() {
        return architecture.inputShape();
    }

    public Shape outputShape() {
        List<Long> out = summary.outputShape();
        int[] dims = new int[out.size() - 1];
        for (int i = 1; i < out.size(); i++) {
            dims[i - 1] = Math.toIntExact(out.get(i));
        }
        return new Shape(dims);
    }

    /** Runs a float32 batch {@code [N, ...input]} through every layer. */
    public INDArray forward(INDArray batch) {
        return forward(batch, Set.of()).get(OUTPUT);
    }

    /** The key of the network's own output in the map {@link #forward(INDArray, Set)} returns. */
    public static final String OUTPUT = "";

    /**
     * Runs a batch through every layer and returns the network's output under {@link #OUTPUT} and a copy of the
     * output of each layer named in {@code layers} under its name (intermediate activations, e.g. feature maps).
     *
     * @throws IllegalArgumentException if a name is not a layer of this network
     */
    public Map<String, INDArray> forward(INDArray batch, Set<String> layers) {
        long[] expected = inputShape().withBatch(batch.size(0));
        if (!Arrays.equals(batch.shape(), expected)) {
            throw new IllegalArgumentException("input has shape " + Arrays.toString(batch.shape()) + ", expected "
                    + Arrays.toString(expected));
        }
        for (String name : layers) {
            if (architecture.layer(name).isEmpty()) {
                throw new IllegalArgumentException("no layer named '" + name + "'. Layers: " + layerNames());
            }
        }
        INDArray x = batch.dataType() == DataType.FLOAT ? batch : batch.castTo(DataType.FLOAT);
        Map<String, INDArray> outputs = new LinkedHashMap<>(plan(Math.toIntExact(batch.size(0))).run(x, layers));
        // the plan dies with this call: the output is the caller's
        return outputs;
    }

    /**
     * The forward pass for exactly {@code batch} examples, planned ({@link Planner}): kernels, layouts, fusions,
     * buffers and op objects chosen and built once; for one thread at a time.
     */
    public ExecutionPlan plan(int batch) {
        return plan(batch, Planner.Options.DEFAULT);
    }

    /**
     * The steps {@link #plan(int)} would run for {@code batch} examples, described without building the plan (no
     * buffers, whatever the batch size).
     */
    public List<ExecutionPlan.StepInfo> describePlan(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, received " + batch);
        }
        return ExecutionPlan.describe(this, batch);
    }

    /**
     * As {@link #plan(int)}, with every step that has a {@code kernel} form computed by it (the others as planned):
     * for measuring one kind of kernel against the other.
     */
    public ExecutionPlan plan(int batch, Kernel kernel) {
        return plan(batch, new Planner.Options(true, kernel));
    }

    ExecutionPlan plan(int batch, Planner.Options options) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, received " + batch);
        }
        return new ExecutionPlan(this, batch, options);
    }

    /** The layers' names, in order. */
    public List<String> layerNames() {
        return architecture.layers().stream().map(Layer::name).toList();
    }
}
