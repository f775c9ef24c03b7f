package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    /**
     * The identity when the sizes agree (a view); otherwise Java loops on NCHW: one average per output cell, which
     * native ops would run as one reduction call per cell.
     */
    @Override
    public Op op(Shape input, Map<String, INDArray> params) {
        Shape out = outputShape(input);
        int h = input.height();
        int w = input.width();
        if (h == outH && w == outW) {
            return Flatten.view(input, out, Layout.NCHW, Layout.NCHW);
        }
        return new BaseOp(out) {
            @Override
            public List<Layout> layouts(Kernel kernel) {
                return kernel == Kernel.JAVA ? List.of(Layout.NCHW) : List.of();
            }

            @Override
            public Step step(Kernel kernel, Bind b) {
                int planes = b.batch() * input.channels();
                return new Java((x, y) -> {
                    for (int p = 0; p < planes; p++) {
                        for (int i = 0; i < outH; i++) {
                            int h0 = Math.floorDiv(i * h, outH);
                            int h1 = -Math.floorDiv(-(i + 1) * h, outH);
                            for (int j = 0; j < outW; j++) {
                                int w0 = Math.floorDiv(j * w, outW);
                                int w1 = -Math.floorDiv(-(j + 1) * w, outW);
                                float sum = 0f;
                                for (int r = h0; r < h1; r++) {
                                    for (int c = w0; c < w1; c++) {
                                        sum += x[(p * h + r) * w + c];
                                    }
                                }
                                y[(p * outH + i) * outW + j] = sum / ((h1 - h0) * (w1 - w0));
                            }
                        }
                    }
                });
            }
        };
    }
}
