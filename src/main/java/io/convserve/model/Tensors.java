package io.convserve.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The few ND4J calls that several layers share, with the layout traps of ND4J M2.1 handled once. */
final class Tensors {

    private Tensors() {
    }

    /**
     * Conv2d config for NCHW input and OIHW weights (ND4J's default weight layout is YXIO: set it),
     * with symmetric explicit padding.
     */
    static Conv2DConfig conv(Window w, int padH, int padW) {
        return conv(w, padH, padW, WeightsFormat.OIYX);
    }

    /** OIYX weights on NCHW or (for execution plans) NHWC data. */
    static Conv2DConfig conv(Window w, int padH, int padW, boolean nhwc) {
        return conv(w, padH, padW, WeightsFormat.OIYX, nhwc ? "NHWC" : "NCHW");
    }

    static Conv2DConfig conv(Window w, int padH, int padW, WeightsFormat weightsFormat) {
        return conv(w, padH, padW, weightsFormat, "NCHW");
    }

    private static Conv2DConfig conv(Window w, int padH, int padW, WeightsFormat weightsFormat, String dataFormat) {
        return Conv2DConfig.builder()
                .kH(w.kernelH()).kW(w.kernelW())
                .sH(w.strideH()).sW(w.strideW())
                .dH(w.dilationH()).dW(w.dilationW())
                .pH(padH).pW(padW)
                .paddingMode(PaddingMode.VALID)
                .dataFormat(dataFormat)
                .weightsFormat(weightsFormat)
                .build();
    }

    /**
     * A kernel {@code [O, I, kH, kW]} spread to {@code [O, I, d_h*(kH-1)+1, d_w*(kW-1)+1]} with zeros between the
     * taps: an undilated convolution with it equals the dilated convolution with the original kernel.
     */
    static INDArray dilateKernel(INDArray kernel, int dh, int dw) {
        if (dh == 1 && dw == 1) {
            return kernel;
        }
        long kh = kernel.size(2);
        long kw = kernel.size(3);
        INDArray spread = Nd4j.zeros(kernel.dataType(), kernel.size(0), kernel.size(1), dh * (kh - 1) + 1,
                dw * (kw - 1) + 1);
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                spread.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point((long) i * dh),
                        NDArrayIndex.point((long) j * dw)).assign(kernel.get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.point(i), NDArrayIndex.point(j)));
            }
        }
        return spread;
    }

    /** Reshapes a per-channel vector {@code [C]} to broadcast over {@code [N, C, H, W]} or {@code [N, C]}. */
    static INDArray perChannel(INDArray v, int rank) {
        long c = v.length();
        return rank == 4 ? v.reshape(1, c, 1, 1).dup() : v.reshape(1, c).dup();
    }
}
