package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * PyTorch's {@code AdaptiveAvgPool2d}: output cell {@code i} averages input rows
 * {@code floor(i*H/out) .. ceil((i+1)*H/out) - 1}, and likewise for columns.
 *
 * <p>Shape: input {@code [C, H, W]}, output {@code [C, out_h, out_w]}.
 */
public final class AdaptiveAvgPool2d extends AbstractLayer {

    private final int outH;
    private final int outW;

    public AdaptiveAvgPool2d(int index, String name, int outH, int outW) {
        super(index, name);
        this.outH = outH;
        this.outW = outW;
    }

    static AdaptiveAvgPool2d from(LayerConfig c) {
        int[] size = c.pair("output_size", null);
        c.finish();
        return new AdaptiveAvgPool2d(c.index(), c.name(), size[0], size[1]);
    }

    @Override
    public String type() {
        return "adaptive_avg_pool2d";
    }

    @Override
    public Map<String, Object> config() {
        return config("output_size", List.of(outH, outW));
    }

    @Override
    public Shape outputShape(Shape input) {
        requireImage(input);
        return Shape.chw(input.channels(), outH, outW);
    }

    @Override
    public Operation compile(Shape input, Map<String, INDArray> params) {
        int h = input.height();
        int w = input.width();
        if (h == outH && w == outW) {
            return x -> x;
        }
        return x -> {
            // x is [N, C, H, W] -> out [N, C, outH, outW]
            INDArray out = Nd4j.create(x.dataType(), x.size(0), x.size(1), outH, outW);
            for (int i = 0; i < outH; i++) {
                int h0 = Math.floorDiv(i * h, outH);
                int h1 = -Math.floorDiv(-(i + 1) * h, outH);
                for (int j = 0; j < outW; j++) {
                    int w0 = Math.floorDiv(j * w, outW);
                    int w1 = -Math.floorDiv(-(j + 1) * w, outW);
                    INDArray region = x.get(NDArrayIndex.all(), NDArrayIndex.all(),
                            NDArrayIndex.interval(h0, h1), NDArrayIndex.interval(w0, w1));
                    out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.point(j))
                            .assign(region.mean(2, 3));
                }
            }
            return out;
        };
    }
}
