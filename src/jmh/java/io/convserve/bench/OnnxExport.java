package io.convserve.bench;

import io.convserve.model.LayerSummary;
import io.convserve.model.Network;
import io.convserve.model.Summary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Writes one of our networks as an ONNX graph (opset 13) with its weights, so that ONNX Runtime runs exactly the same
 * network in the benchmark. Uses the ONNX protobuf classes that ship inside nd4j-api. Covers the layers of the
 * benchmarked models (conv2d, pools, LRN, flatten, dropout, dense, batch norm, global pooling, activations).
 */
final class OnnxExport {

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("convserve");
    private int counter;

    private OnnxExport() {
    }

    static byte[] export(Network network) {
        OnnxExport e = new OnnxExport();
        return e.build(network).toByteArray();
    }

    private Onnx.ModelProto build(Network network) {
        Summary summary = network.summary();
        List<Long> in = summary.inputShape();
        graph.addInput(valueInfo("input", in));
        String x = "input";
        for (LayerSummary layer : summary.layers()) {
            x = layer(layer, x, network.parameters());
        }
        graph.addOutput(valueInfo(x, summary.outputShape()));
        return Onnx.ModelProto.newBuilder().setIrVersion(7).setProducerName("convserve-bench")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph).build();
    }

    private static Onnx.ValueInfoProto valueInfo(String name, List<Long> shape) {
        Onnx.TensorShapeProto.Builder dims = Onnx.TensorShapeProto.newBuilder();
        dims.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (int i = 1; i < shape.size(); i++) {
            dims.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(shape.get(i)));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(dims)))
                .build();
    }

    @SuppressWarnings("unchecked")
    private String layer(LayerSummary layer, String x, Map<String, INDArray> params) {
        Map<String, Object> c = layer.config();
        String name = layer.name();
        return switch (layer.type()) {
            case "conv2d" -> {
                List<Integer> kernel = (List<Integer>) c.get("kernel");
                List<Integer> stride = (List<Integer>) c.get("stride");
                List<Integer> dilation = (List<Integer>) c.get("dilation");
                List<String> inputs = new ArrayList<>(List.of(x, weight(name + ".weight", params)));
                if (params.containsKey(name + ".bias")) {
                    inputs.add(weight(name + ".bias", params));
                }
                Onnx.NodeProto.Builder n = node("Conv", name, inputs);
                n.addAttribute(ints("kernel_shape", kernel)).addAttribute(ints("strides", stride))
                        .addAttribute(ints("dilations", dilation))
                        .addAttribute(ints("pads", pads(c.get("padding"), layer, kernel, stride, dilation)))
                        .addAttribute(intAttr("group", ((Number) c.get("groups")).intValue()));
                graph.addNode(n);
                yield activation(String.valueOf(c.get("activation")), name, n.getOutput(0));
            }
            case "max_pool2d", "avg_pool2d" -> {
                List<Integer> kernel = (List<Integer>) c.get("pool");
                List<Integer> stride = (List<Integer>) c.get("stride");
                Onnx.NodeProto.Builder n = node(layer.type().equals("max_pool2d") ? "MaxPool" : "AveragePool", name,
                        List.of(x));
                n.addAttribute(ints("kernel_shape", kernel)).addAttribute(ints("strides", stride))
                        .addAttribute(ints("pads", pads(c.get("padding"), layer, kernel, stride, List.of(1, 1))))
                        .addAttribute(intAttr("ceil_mode", Boolean.TRUE.equals(c.get("ceil_mode")) ? 1 : 0));
                graph.addNode(n);
                yield n.getOutput(0);
            }
            case "local_response_norm" -> {
                Onnx.NodeProto.Builder n = node("LRN", name, List.of(x));
                n.addAttribute(intAttr("size", ((Number) c.get("size")).intValue()))
                        .addAttribute(floatAttr("alpha", ((Number) c.get("alpha")).floatValue()))
                        .addAttribute(floatAttr("beta", ((Number) c.get("beta")).floatValue()))
                        .addAttribute(floatAttr("bias", ((Number) c.get("k")).floatValue()));
                graph.addNode(n);
                yield n.getOutput(0);
            }
            case "flatten" -> {
                Onnx.NodeProto.Builder n = node("Flatten", name, List.of(x));
                n.addAttribute(intAttr("axis", 1));
                graph.addNode(n);
                yield n.getOutput(0);
            }
            case "dropout" -> x;
            case "dense" -> {
                List<String> inputs = new ArrayList<>(List.of(x, weight(name + ".weight", params)));
                if (params.containsKey(name + ".bias")) {
                    inputs.add(weight(name + ".bias", params));
                }
                Onnx.NodeProto.Builder n = node("Gemm", name, inputs);
                n.addAttribute(intAttr("transB", 1));
                graph.addNode(n);
                yield activation(String.valueOf(c.get("activation")), name, n.getOutput(0));
            }
            case "global_avg_pool2d" -> {
                Onnx.NodeProto.Builder n = node("GlobalAveragePool", name, List.of(x));
                graph.addNode(n);
                Onnx.NodeProto.Builder f = node("Flatten", name + "_flat", List.of(n.getOutput(0)));
                f.addAttribute(intAttr("axis", 1));
                graph.addNode(f);
                yield f.getOutput(0);
            }
            case "activation" -> activation(String.valueOf(c.get("activation")), name, x);
            default -> throw new IllegalArgumentException("the benchmark's ONNX export has no mapping for "
                    + layer.type() + " '" + name + "'");
        };
    }

    private String activation(String id, String layer, String x) {
        String op = switch (id) {
            case "linear", "null", "none" -> null;
            case "relu" -> "Relu";
            case "sigmoid" -> "Sigmoid";
            case "tanh" -> "Tanh";
            case "softmax" -> "Softmax";
            default -> throw new IllegalArgumentException("no ONNX mapping for activation " + id + " of " + layer);
        };
        if (op == null) {
            return x;
        }
        Onnx.NodeProto.Builder n = node(op, layer + "_" + id, List.of(x));
        if (op.equals("Softmax")) {
            n.addAttribute(intAttr("axis", 1));
        }
        graph.addNode(n);
        return n.getOutput(0);
    }

    /** ONNX pads [top, left, bottom, right] from our padding config (explicit, "same" or "valid"). */
    private static List<Integer> pads(Object padding, LayerSummary layer, List<Integer> k, List<Integer> s,
                                      List<Integer> d) {
        if (padding instanceof List<?> p && p.size() == 2) {
            int t = ((Number) p.get(0)).intValue();
            int l = ((Number) p.get(1)).intValue();
            return List.of(t, l, t, l);
        }
        if (padding instanceof List<?> p && p.size() == 4) {
            return List.of(((Number) p.get(0)).intValue(), ((Number) p.get(2)).intValue(),
                    ((Number) p.get(1)).intValue(), ((Number) p.get(3)).intValue());
        }
        if ("same".equals(padding)) {
            int[] hw = {layer.inputShape().get(2).intValue(), layer.inputShape().get(3).intValue()};
            int[] before = new int[2];
            int[] after = new int[2];
            for (int i = 0; i < 2; i++) {
                int out = (hw[i] + s.get(i) - 1) / s.get(i);
                int total = Math.max(0, (out - 1) * s.get(i) + d.get(i) * (k.get(i) - 1) + 1 - hw[i]);
                before[i] = total / 2;
                after[i] = total - before[i];
            }
            return List.of(before[0], before[1], after[0], after[1]);
        }
        return List.of(0, 0, 0, 0);
    }

    private Onnx.NodeProto.Builder node(String op, String name, List<String> inputs) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs)
                .addOutput(name + "_out" + (counter++));
    }

    private String weight(String key, Map<String, INDArray> params) {
        INDArray w = params.get(key).castTo(DataType.FLOAT).dup('c');
        float[] data = w.data().asFloat();
        ByteBuffer bytes = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(key)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(bytes.array()));
        for (long dim : w.shape()) {
            t.addDims(dim);
        }
        graph.addInitializer(t);
        return key;
    }

    private static Onnx.AttributeProto ints(String name, List<Integer> values) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        values.forEach(v -> a.addInts(v));
        return a.build();
    }

    private static Onnx.AttributeProto intAttr(String name, int value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    private static Onnx.AttributeProto floatAttr(String name, float value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }
}
