package io.convserve.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Global average or max over H and W. Shape: input {@code [C, H, W]}, output {@code [C]}.
 */
public final class GlobalPool2d extends AbstractLayer {

    private final Pool2d.Kind kind;

    public GlobalPool2d(int index, String name, Pool2d.Kind kind) {
        super(index, name);
        this.kind = kind;
    }

    static GlobalPool2d from(LayerConfig c, Pool2d.Kind kind) {
        c.finish();
        return new GlobalPool2d(c.index(), c.name(), kind);
    }

    @Override
    public String type() {
        return kind == Pool2d.Kind.MAX ? "global_max_pool2d" : "global_avg_pool2d";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        return new Shape(input.channels());
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        outputShape(input);
        // [N, C, H, W] -> [N, C]
        return kind == Pool2d.Kind.MAX ? x -> x.max(2, 3) : x -> x.mean(2, 3);
    }
}
