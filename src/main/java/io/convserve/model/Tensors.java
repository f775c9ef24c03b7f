package io.convserve.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.transforms.Pad;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.factory.Nd4j;

/** The few ND4J calls that several layers share, with the layout traps of ND4J M2.1 handled once. */
final class Tensors {

    private Tensors() {
    }

    /** Pads H and W of an NCHW batch with a constant. */
    static INDArray padSpatial(INDArray x, int top, int bottom, int left, int right, double value) {
        if (top == 0 && bottom == 0 && left == 0 && right == 0) {
            return x;
        }
        int[][] widths = {{0, 0}, {0, 0}, {top, bottom}, {left, right}};
        return Nd4j.pad(x, widths, Pad.Mode.CONSTANT, value);
    }

    /**
     * Conv2d config for NCHW input and OIHW weights (ND4J's default weight layout is YXIO: set it),
     * with symmetric explicit padding.
     */
    static Conv2DConfig conv(Window w, int padH, int padW) {
        return conv(w, padH, padW, WeightsFormat.OIYX);
    }

    static Conv2DConfig conv(Window w, int padH, int padW, WeightsFormat weightsFormat) {
        return Conv2DConfig.builder()
                .kH(w.kernelH()).kW(w.kernelW())
                .sH(w.strideH()).sW(w.strideW())
                .dH(w.dilationH()).dW(w.dilationW())
                .pH(padH).pW(padW)
                .paddingMode(PaddingMode.VALID)
                .dataFormat("NCHW")
                .weightsFormat(weightsFormat)
                .build();
    }

    /** Reshapes a per-channel vector {@code [C]} to broadcast over {@code [N, C, H, W]} or {@code [N, C]}. */
    static INDArray perChannel(INDArray v, int rank) {
        long c = v.length();
        return rank == 4 ? v.reshape(1, c, 1, 1).dup() : v.reshape(1, c).dup();
    }
}
