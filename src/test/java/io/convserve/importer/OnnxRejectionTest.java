package io.convserve.importer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.convserve.importer.onnx.OnnxProto.AttributeProto;
import io.convserve.importer.onnx.OnnxProto.GraphProto;
import io.convserve.importer.onnx.OnnxProto.ModelProto;
import io.convserve.importer.onnx.OnnxProto.NodeProto;
import io.convserve.importer.onnx.OnnxProto.OperatorSetIdProto;
import io.convserve.importer.onnx.OnnxProto.TensorProto;
import io.convserve.importer.onnx.OnnxProto.TensorShapeProto;
import io.convserve.importer.onnx.OnnxProto.TypeProto;
import io.convserve.importer.onnx.OnnxProto.ValueInfoProto;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ONNX graphs that cannot be imported, built here with the generated protobuf classes; each error names the node. */
class OnnxRejectionTest {

    private static ValueInfoProto tensor(String name, Long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Long d : dims) {
            shape.addDim(d == null ? TensorShapeProto.Dimension.newBuilder().setDimParam("N").build()
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d).build());
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
    }

    private static NodeProto node(String name, String op, List<String> in, String out, AttributeProto... attrs) {
        return NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(in).addOutput(out)
                .addAllAttribute(List.of(attrs)).build();
    }

    private static byte[] model(int opset, ValueInfoProto input, List<TensorProto> inits, NodeProto... nodes) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(input).addAllInitializer(inits)
                .addOutput(tensor(nodes[nodes.length - 1].getOutput(0)));
        for (NodeProto n : nodes) {
            g.addNode(n);
        }
        return ModelProto.newBuilder().setIrVersion(7).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).build().toByteArray();
    }

    private static TensorProto weights(String name, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long i = 0; i < n; i++) {
            t.addFloatData(0.1f * i);
        }
        return t.build();
    }

    @Test
    void residualAddOfTwoComputedTensorsIsABranch() {
        byte[] m = model(13, tensor("x", null, 2L, 4L, 4L), List.of(weights("w", 2, 2, 3, 3)),
                node("conv", "Conv", List.of("x", "w"), "c", AttributeProto.newBuilder().setName("pads")
                        .addAllInts(List.of(1L, 1L, 1L, 1L)).build()),
                node("residual", "Add", List.of("c", "x"), "y"));

        assertThatThrownBy(() -> new OnnxImporter().read(m, "residual.onnx"))
                .isInstanceOf(ImportException.class)
                .hasMessage("ONNX node 'residual' (Add): input 'x' is computed, not a constant; only a chain of "
                        + "operators whose other inputs are weights can be imported");
    }

    @Test
    void softmaxOverWidthIsRejectedUnderOpset13() {
        byte[] m = model(13, tensor("x", null, 3L, 2L, 5L), List.of(),
                node("sm", "Softmax", List.of("x"), "y"));

        assertThatThrownBy(() -> new OnnxImporter().read(m, "sm.onnx"))
                .hasMessage("ONNX node 'sm' (Softmax): softmax over axis 3 of a [N, 3, 2, 5] tensor (opset 13) cannot "
                        + "be imported; ours runs over the channel / feature axis 1");
    }

    @Test
    void softmaxOverAFeatureMapUnderOpset11FlattensAndIsRejected() {
        byte[] m = model(11, tensor("x", null, 3L, 2L, 5L), List.of(),
                node("sm", "Softmax", List.of("x"), "y"));

        assertThatThrownBy(() -> new OnnxImporter().read(m, "sm.onnx"))
                .hasMessageStartingWith("ONNX node 'sm' (Softmax): softmax over axis 1 of a [N, 3, 2, 5] tensor (opset 11)");
    }

    @Test
    void externalWeightsAndUnknownImageSizesAreRejected() {
        TensorProto external = weights("w", 2, 2, 3, 3).toBuilder().clearFloatData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL).setRawData(ByteString.EMPTY).build();
        byte[] m = model(13, tensor("x", null, 2L, 4L, 4L), List.of(external),
                node("conv", "Conv", List.of("x", "w"), "y"));
        assertThatThrownBy(() -> new OnnxImporter().read(m, "ext.onnx"))
                .hasMessageStartingWith("initializer 'w': stored in an external data file");

        byte[] dynamic = model(13, tensor("x", null, 2L, null, 4L), List.of(), node("r", "Relu", List.of("x"), "y"));
        assertThatThrownBy(() -> new OnnxImporter().read(dynamic, "dyn.onnx"))
                .hasMessageStartingWith("ONNX input 'x': dimension 2 is 'N', not a number");
    }

    @Test
    void reshapeThatIsNotAFlattenIsRejected() {
        TensorProto shape = TensorProto.newBuilder().setName("s").setDataType(7).addDims(4)
                .addAllInt64Data(List.of(0L, 2L, 8L, 2L)).build();
        byte[] m = model(13, tensor("x", null, 2L, 4L, 4L), List.of(shape),
                node("rs", "Reshape", List.of("x", "s"), "y"));

        assertThatThrownBy(() -> new OnnxImporter().read(m, "rs.onnx"))
                .hasMessage("ONNX node 'rs' (Reshape): reshape of [N, 2, 4, 4] to [N, 2, 8, 2] cannot be imported; "
                        + "only flattening to [N, features] is supported");
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    @ParameterizedTest(name = "size {0}")
    @CsvSource({"2, 0, 1, 1, 0", "4, 1, 2, 2, 1", "6, 2, 3, 3, 2"})
    void lrnWithEvenSizeIsRejectedBecauseOnnxCentresTheWindowOtherwise(int size, int onnxBefore, int onnxAfter,
                                                                       int oursBefore, int oursAfter) {
        byte[] m = model(13, tensor("x", null, 8L, 3L, 3L), List.of(),
                node("norm1", "LRN", List.of("x"), "y", intAttr("size", size), floatAttr("alpha", 1e-4f),
                        floatAttr("beta", 0.75f), floatAttr("bias", 2f)));

        assertThatThrownBy(() -> new OnnxImporter().read(m, "lrn.onnx"))
                .isInstanceOf(ImportException.class)
                .hasMessage("ONNX node 'norm1' (LRN): an even size cannot be imported: ONNX's LRN sums channels [c - "
                        + onnxBefore + ", c + " + onnxAfter + "], our local_response_norm (PyTorch's rule) [c - "
                        + oursBefore + ", c + " + oursAfter + "]; the windows agree only for odd sizes. Received: size="
                        + size + ", alpha=1.0E-4, beta=0.75, bias=2.0.");
    }

    @Test
    void lrnWithOddSizeKeepsAlphaUndividedForOurLayer() {
        byte[] m = model(13, tensor("x", null, 8L, 3L, 3L), List.of(),
                node("norm1", "LRN", List.of("x"), "y", intAttr("size", 3), floatAttr("alpha", 0.01f),
                        floatAttr("beta", 0.6f), floatAttr("bias", 1f)));

        // both ONNX and our layer (PyTorch's rule) divide alpha by size themselves
        org.assertj.core.api.Assertions.assertThat(new OnnxImporter().read(m, "lrn.onnx").definition().get("layers"))
                .asString().contains("size=3").contains("alpha=0.009999999776482582").contains("beta=0.6")
                .contains("k=1.0");
    }

    @Test
    void gemmWithTransposedInputIsRejected() {
        byte[] m = model(13, tensor("x", null, 6L), List.of(weights("w", 6, 4)),
                node("fc", "Gemm", List.of("x", "w"), "y", intAttr("transA", 1)));

        assertThatThrownBy(() -> new OnnxImporter().read(m, "gemm.onnx"))
                .hasMessage("ONNX node 'fc' (Gemm): transA=1 (a transposed activation) cannot be imported");
    }

    @Test
    void convWithSameLowerPaddingIsRejected() {
        byte[] m = model(13, tensor("x", null, 2L, 5L, 5L), List.of(weights("w", 2, 2, 2, 2)),
                node("conv", "Conv", List.of("x", "w"), "y", stringAttr("auto_pad", "SAME_LOWER")));

        assertThatThrownBy(() -> new OnnxImporter().read(m, "conv.onnx"))
                .hasMessageStartingWith("ONNX node 'conv' (Conv): auto_pad SAME_LOWER is not supported");
    }
}
