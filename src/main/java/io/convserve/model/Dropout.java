package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Dropout: the identity at inference. Shape unchanged. */
public final class Dropout extends AbstractLayer {

    private final double rate;

    public Dropout(int index, String name, double rate) {
        super(index, name);
        this.rate = rate;
    }

    static Dropout from(LayerConfig c) {
        double rate = c.number("rate", 0.5);
        c.finish();
        if (rate < 0 || rate >= 1) {
            throw c.error("field 'rate' must be in [0, 1). Received: " + rate);
        }
        return new Dropout(c.index(), c.name(), rate);
    }

    @Override
    public String type() {
        return "dropout";
    }

    @Override
    public Map<String, Object> config() {
        return config("rate", rate);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        return new BaseOp(input) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel != Kernel.VIEW ? List.of()
                        : input.isImage() ? List.of(Layout.NCHW, Layout.NHWC) : List.of(Layout.FLAT);
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                return new View();
            }
        };
    }
}
