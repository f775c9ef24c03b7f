package io.convserve.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An input shape and a sequence of layers; answers shape, parameter and MAC questions without weights. */
public final class Architecture {

    /** Upper bound of a summary's batch size: the sums stay far from overflowing a long. */
    public static final int MAX_BATCH = 1 << 20;

    private final Shape inputShape;
    private final List<Layer> layers;

    public Architecture(Shape inputShape, List<Layer> layers) {
        if (inputShape.rank() != 3 && inputShape.rank() != 1) {
            throw new LayerConfigException("input shape must be [C, H, W] (or [features]). Received: " + inputShape);
        }
        for (int d : inputShape.dims()) {
            if (d < 1) {
                throw new LayerConfigException("input shape dimensions must be positive. Received: " + inputShape);
            }
        }
        if (layers.isEmpty()) {
            throw new LayerConfigException("an architecture needs at least one layer. Received: layers=[]");
        }
        Set<String> names = new HashSet<>();
        for (Layer layer : layers) {
            if (!names.add(layer.name())) {
                throw new LayerConfigException(layer.type() + " '" + layer.name() + "' (layer " + layer.index()
                        + "): layer names must be unique; '" + layer.name() + "' is used twice");
            }
        }
        this.inputShape = inputShape;
        this.layers = List.copyOf(layers);
    }

    /** Builds the layers from their JSON objects. */
    public static Architecture fromConfig(Shape inputShape, List<Map<String, Object>> layerConfigs) {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerConfigs.size(); i++) {
            layers.add(Layers.fromConfig(i, layerConfigs.get(i)));
        }
        return new Architecture(inputShape, layers);
    }

    public Shape inputShape() {
        return inputShape;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** The layer named {@code name}, if there is one. */
    public java.util.Optional<Layer> layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** Input shape of every layer for this model input, plus the final output: {@code layers().size() + 1} shapes. */
    public List<Shape> shapes(Shape input) {
        List<Shape> shapes = new ArrayList<>(layers.size() + 1);
        Shape current = input;
        shapes.add(current);
        for (Layer layer : layers) {
            try {
                current = layer.outputShape(current);
            } catch (ArithmeticException e) {
                throw overflow(layer, current);
            }
            shapes.add(current);
        }
        return shapes;
    }

    public Summary summarize(Shape input, int batchSize) {
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new LayerConfigException("batch_size must be between 1 and " + MAX_BATCH + ". Received: " + batchSize);
        }
        List<Shape> shapes = shapes(input);
        List<LayerSummary> rows = new ArrayList<>();
        long params = 0;
        long trainable = 0;
        long macs = 0;
        long activationBytes = 0;
        for (Layer layer : layers) {
            Shape in = shapes.get(layer.index());
            Shape out = shapes.get(layer.index() + 1);
            try {
                long layerTrainable = 0;
                long layerParams = 0;
                Map<String, List<Long>> parameterShapes = new LinkedHashMap<>();
                for (ParameterSpec p : layer.parameters(in)) {
                    layerParams += p.count();
                    layerTrainable += p.trainable() ? p.count() : 0;
                    parameterShapes.put(p.name(), dims(p.shape(), -1));
                }
                long layerMacs = Math.multiplyExact(layer.macs(in), (long) batchSize);
                long bytes = Math.multiplyExact(Math.multiplyExact(out.elements(), (long) batchSize), 4L);
                rows.add(new LayerSummary(layer.index(), layer.name(), layer.type(), layer.config(),
                        dims(in, batchSize), dims(out, batchSize), layerParams, layerTrainable,
                        layerParams - layerTrainable, parameterShapes, layerMacs, bytes));
                params = Math.addExact(params, layerParams);
                trainable += layerTrainable;
                macs = Math.addExact(macs, layerMacs);
                activationBytes = Math.addExact(activationBytes, bytes);
            } catch (ArithmeticException e) {
                throw overflow(layer, in);
            }
        }
        Summary.Totals totals = new Summary.Totals(params, trainable, params - trainable,
                Math.multiplyExact(params, 4L), macs, activationBytes);
        return new Summary(dims(input, batchSize), batchSize, List.copyOf(rows), totals);
    }

    private static ArchitectureException overflow(Layer layer, Shape input) {
        return new ArchitectureException(layer.type() + " '" + layer.name() + "' (layer " + layer.index()
                + "): a size or count overflows the integer range (2^31-1 per dimension, 2^63-1 per count) for this input. Received: input=" + input + ".");
    }

    /** The dims as a list, with {@code batch} first unless it is negative. */
    private static List<Long> dims(Shape shape, long batch) {
        List<Long> out = new ArrayList<>();
        if (batch >= 0) {
            out.add(batch);
        }
        for (int d : shape.dims()) {
            out.add((long) d);
        }
        return List.copyOf(out);
    }
}
