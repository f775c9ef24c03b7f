package io.convserve.importer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.convserve.importer.onnx.OnnxProto.AttributeProto;
import io.convserve.importer.onnx.OnnxProto.GraphProto;
import io.convserve.importer.onnx.OnnxProto.ModelProto;
import io.convserve.importer.onnx.OnnxProto.NodeProto;
import io.convserve.importer.onnx.OnnxProto.OperatorSetIdProto;
import io.convserve.importer.onnx.OnnxProto.TensorProto;
import io.convserve.importer.onnx.OnnxProto.TensorShapeProto;
import io.convserve.importer.onnx.OnnxProto.ValueInfoProto;
import static io.convserve.importer.OnnxAttributes.attr;
import static io.convserve.importer.OnnxAttributes.floatAttr;
import static io.convserve.importer.OnnxAttributes.ints;
import static io.convserve.importer.OnnxAttributes.longAttr;
import static io.convserve.importer.OnnxAttributes.longs;
import static io.convserve.importer.OnnxAttributes.pairAttr;
import static io.convserve.importer.OnnxAttributes.stringAttr;

import io.convserve.model.Padding;
import io.convserve.model.Shape;
import io.convserve.model.Window;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * ONNX models (parsed with the classes protoc generates from ONNX's own schema) to our layer stack.
 *
 * <p>The graph must be a chain: each computing node reads the tensor the previous one wrote, plus constants
 * (initializers, Constant nodes). Shape arithmetic on constants and on known shapes (PyTorch's
 * {@code x.view(x.size(0), -1)} exports as Shape, Gather, Unsqueeze, Concat, Reshape) is folded. Conversions: Conv
 * pads {@code [top, left, bottom, right]} to ours, {@code auto_pad} SAME_UPPER to TensorFlow's "same"; Gemm's
 * {@code transB}, {@code alpha} and {@code beta} into the dense weight and bias; MatMul followed by Add of a constant
 * into one dense layer; AveragePool with {@code count_include_pad} as an explicit zero padding; Softmax's axis
 * checked under the opset's rule (before 13 it flattens from the axis on); ReduceMean/ReduceMax over H and W as global
 * pooling; PyTorch's decomposed {@code nn.LocalResponseNorm} (dynamo exporter) as one layer; a reshape to the fixed
 * export batch as a flatten; LRN only with an odd size (ONNX centres an even window one channel later than ours).
 * Weights may come from external data files. Anything else is rejected naming the node.
 *
 * <p>An instance keeps the walk's state (constants, shapes, the chain's end): use a new one per file.
 */
public final class OnnxImporter {

    static final List<String> SUPPORTED = List.of("Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "ReduceMean / ReduceMax (over H and W)", "BatchNormalization", "LRN",
            "decomposed nn.LocalResponseNorm (Mul, Reshape, Pad, AveragePool, Squeeze, Mul, Add, Pow, Div)", "Gemm",
            "MatMul", "Add / Sum (a bias after Conv, Gemm or MatMul)", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax",
            "Flatten", "Reshape", "Dropout", "Identity", "Cast (to float)", "Pad", "Constant",
            "on constants only: " + String.join(", ", OnnxFolding.OPERATORS));
    private static final long BATCH = OnnxFolding.BATCH;

    private final Map<String, OnnxConst> constants = new HashMap<>();
    /** ONNX shape of each data tensor, batch first as {@link #BATCH}. */
    private final Map<String, long[]> shapes = new HashMap<>();
    private OnnxTensors tensors;
    private final OnnxFolding folding = new OnnxFolding(constants, shapes, (t, where) -> tensors.tensor(t, where));
    private ModelBuilder b;
    private int opset;
    private String current;
    private String pendingMatMul; // our conv2d or dense layer made by the node before, which an Add may give a bias
    /** The fixed batch of an export without a symbolic batch (0 when symbolic): a reshape to it keeps the batch. */
    private long exportBatch;
    private OnnxLrnPattern lrn; // a decomposed nn.LocalResponseNorm being read, or null

    public ImportedModel read(byte[] content, String fileName) {
        return read(content, fileName, null);
    }

    /**
     * As {@link #read(byte[], String)}, with the files of weights stored outside the model (what torch.onnx's dynamo
     * exporter writes by default: {@code model.onnx.data} beside {@code model.onnx}): {@code externalData} gives a
     * file's bytes by its location relative to the model, or null when the model came alone (an upload).
     */
    public ImportedModel read(byte[] content, String fileName, Function<String, byte[]> externalData) {
        this.tensors = new OnnxTensors(externalData);
        ModelProto model;
        try {
            model = ModelProto.parseFrom(content);
        } catch (InvalidProtocolBufferException e) {
            throw new ImportException(fileName + " is not an ONNX model (ModelProto): " + e.getMessage());
        }
        if (!model.hasGraph()) {
            throw new ImportException(fileName + " is not an ONNX model: it has no graph");
        }
        opset = 1;
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                opset = (int) id.getVersion();
            }
        }
        GraphProto g = model.getGraph();
        for (TensorProto t : g.getInitializerList()) {
            constants.put(t.getName(), tensors.tensor(t, "initializer '" + t.getName() + "'"));
        }
        List<ValueInfoProto> inputs = g.getInputList().stream().filter(v -> !constants.containsKey(v.getName()))
                .toList();
        if (inputs.size() != 1) {
            throw new ImportException(fileName + ": the graph has " + inputs.size() + " inputs "
                    + inputs.stream().map(ValueInfoProto::getName).toList() + " besides its initializers; only "
                    + "single-input models can be imported");
        }
        ValueInfoProto input = inputs.get(0);
        long[] dims = inputDims(input);
        TensorShapeProto.Dimension batch = input.getType().getTensorType().getShape().getDim(0);
        exportBatch = batch.hasDimValue() ? batch.getDimValue() : 0;
        Shape inputShape = new Shape(Arrays.stream(dims, 1, dims.length).mapToInt(d -> (int) d).toArray());
        b = new ModelBuilder("ONNX node", inputShape);
        current = input.getName();
        shapes.put(current, dims);
        for (int i = 0; i < g.getNodeCount(); i++) {
            node(g.getNode(i), i);
        }
        if (lrn != null) {
            throw new ImportException(lrn.start + ": the graph ends inside what began as PyTorch's decomposed "
                    + "LocalResponseNorm (x*x, Reshape, Pad, AveragePool, Squeeze, Mul, Add, Pow, Div)");
        }
        if (g.getOutputCount() != 1 || !g.getOutput(0).getName().equals(current)) {
            throw new ImportException(fileName + ": the graph's outputs " + g.getOutputList().stream()
                    .map(ValueInfoProto::getName).toList() + " must be the single end of the chain, '" + current + "'");
        }
        String producer = model.getProducerName().isEmpty() ? "" : ", produced by " + model.getProducerName() + " "
                + model.getProducerVersion();
        return b.build("Imported from ONNX (opset " + opset + producer + ", " + fileName + ")", input.getName(),
                g.getOutput(0).getName(), null).withFixedBatch(exportBatch);
    }

    private static long[] inputDims(ValueInfoProto v) {
        List<TensorShapeProto.Dimension> d = v.getType().getTensorType().getShape().getDimList();
        if (d.size() != 4 && d.size() != 2) {
            throw new ImportException("ONNX input '" + v.getName() + "': rank " + d.size() + "; expected [N, C, H, W] "
                    + "or [N, features]");
        }
        long[] out = new long[d.size()];
        out[0] = BATCH;
        for (int i = 1; i < d.size(); i++) {
            if (!d.get(i).hasDimValue() || d.get(i).getDimValue() < 1) {
                throw new ImportException("ONNX input '" + v.getName() + "': dimension " + i + " is '"
                        + d.get(i).getDimParam() + "', not a number; our models have a fixed [C, H, W] input "
                        + "(export with a fixed image size; only the batch may be dynamic)");
            }
            out[i] = d.get(i).getDimValue();
        }
        return out;
    }

    // ---- nodes

    private void node(NodeProto n, int index) {
        String op = n.getOpType();
        String where = "ONNX node '" + (n.getName().isEmpty() ? op + "_" + index : n.getName()) + "' (" + op + ")";
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw new ImportException(where + ": operator domain '" + n.getDomain() + "' is not supported");
        }
        if (op.equals("Constant")) {
            constants.put(n.getOutput(0), tensors.constantNode(n, where));
            return;
        }
        if (op.equals("If")) {
            inlineIf(n, index, where);
            return;
        }
        boolean folded;
        try {
            folded = folding.fold(n, where);
        } catch (ImportException e) {
            if (lrn == null) {
                throw e;
            }
            throw new ImportException(e.getMessage() + ". This is inside what " + lrn.start + " began as PyTorch's "
                    + "decomposed LocalResponseNorm: the legacy exporter computes its pads and squeeze in ways that "
                    + "are not folded; export with torch.onnx.export's default dynamo=True exporter, or as ONNX's LRN");
        }
        if (folded) {
            return;
        }
        if (lrn != null) {
            lrn.step(n, where);
            if (lrn.done()) {
                Map<String, Object> l = ModelBuilder.layer("local_response_norm", layerName(n, index));
                l.put("size", lrn.size);
                l.put("alpha", lrn.alpha);
                l.put("beta", lrn.beta);
                l.put("k", lrn.k);
                b.add(lrn.start, l);
                current = n.getOutput(0);
                shapes.put(current, lrn.input);
                lrn = null;
                pendingMatMul = null;
            }
            return;
        }
        if ((op.equals("Add") || op.equals("Sum") || op.equals("Mul")) && n.getInputCount() == 2 && n.getInput(1).equals(current)
                && constants.containsKey(n.getInput(0))) { // Add(bias, x): the constant first
            n = n.toBuilder().setInput(0, n.getInput(1)).setInput(1, n.getInput(0)).build();
        }
        if (op.equals("Mul") && n.getInputCount() == 2 && n.getInput(0).equals(current)
                && n.getInput(1).equals(current)) {
            lrn = new OnnxLrnPattern(where, current, shapes.get(current), constants);
            lrn.at = n.getOutput(0);
            return;
        }
        if (n.getInputCount() == 0 || !n.getInput(0).equals(current)) {
            throw new ImportException(where + ": reads " + n.getInputList() + ", but the chain's current tensor is '"
                    + current + "'; only a chain of operators (each reading the one before) can be imported");
        }
        for (int i = 1; i < n.getInputCount(); i++) {
            String in = n.getInput(i);
            if (!in.isEmpty() && !constants.containsKey(in)) {
                throw new ImportException(where + ": input '" + in + "' is computed, not a constant; only a chain of "
                        + "operators whose other inputs are weights can be imported");
            }
        }
        String name = layerName(n, index);
        long[] inDims = shapes.get(current);
        boolean keepsDims = false;
        String matmul = null;
        switch (op) {
            case "Conv" -> {
                conv(n, name, where);
                matmul = name;
            }
            case "MaxPool", "AveragePool" -> pool(n, name, where);
            case "GlobalAveragePool" -> {
                // adaptive pooling to 1x1 keeps ONNX's [N, C, 1, 1] (our global_avg_pool2d would give [N, C])
                Map<String, Object> l = ModelBuilder.layer("adaptive_avg_pool2d", name);
                l.put("output_size", List.of(1, 1));
                b.add(where, l);
            }
            case "GlobalMaxPool" -> {
                b.add(where, ModelBuilder.layer("global_max_pool2d", name));
                shapes.put(n.getOutput(0), new long[] {BATCH, inDims[1], 1, 1});
                current = n.getOutput(0);
                pendingMatMul = null;
                return;
            }
            case "ReduceMean", "ReduceMax" -> {
                boolean keep = reduceOverImage(n, where, inDims);
                boolean mean = op.equals("ReduceMean");
                if (mean && keep) { // [N, C, 1, 1], like GlobalAveragePool
                    Map<String, Object> l = ModelBuilder.layer("adaptive_avg_pool2d", name);
                    l.put("output_size", List.of(1, 1));
                    b.add(where, l);
                } else {
                    b.add(where, ModelBuilder.layer(mean ? "global_avg_pool2d" : "global_max_pool2d", name));
                }
                shapes.put(n.getOutput(0), keep ? new long[] {BATCH, inDims[1], 1, 1} : new long[] {BATCH, inDims[1]});
                current = n.getOutput(0);
                pendingMatMul = null;
                return;
            }
            case "BatchNormalization" -> {
                if (longAttr(n, "training_mode", 0) != 0 || longAttr(n, "spatial", 1) != 1) {
                    throw new ImportException(where + ": training_mode=1 or spatial=0 cannot be imported");
                }
                Map<String, Object> l = ModelBuilder.layer("batch_norm", name);
                l.put("epsilon", floatAttr(n, "epsilon", 1e-5f));
                b.add(where, l);
                b.weight(name, "gamma", constant(n, 1, where).array().reshape(count(n, 1)));
                b.weight(name, "beta", constant(n, 2, where).array().reshape(count(n, 2)));
                b.weight(name, "moving_mean", constant(n, 3, where).array().reshape(count(n, 3)));
                b.weight(name, "moving_variance", constant(n, 4, where).array().reshape(count(n, 4)));
                keepsDims = true;
            }
            case "LRN" -> {
                Map<String, Object> l = ModelBuilder.layer("local_response_norm", name);
                l.put("size", lrnSize(n, where));
                l.put("alpha", (double) floatAttr(n, "alpha", 1e-4f));
                l.put("beta", (double) floatAttr(n, "beta", 0.75f));
                l.put("k", (double) floatAttr(n, "bias", 1.0f));
                b.add(where, l);
                keepsDims = true;
            }
            case "Gemm" -> {
                gemm(n, name, where);
                matmul = name;
            }
            case "MatMul" -> {
                OnnxConst w = constant(n, 1, where);
                if (w.dims().length != 2 || inDims.length != 2) {
                    throw new ImportException(where + ": only [N, features] x [features, units] with a constant "
                            + "right side can be imported. Received: input " + show(inDims) + ", weight "
                            + Arrays.toString(w.dims()));
                }
                Map<String, Object> l = ModelBuilder.layer("dense", name);
                l.put("units", (int) w.dims()[1]);
                l.put("bias", false);
                b.add(where, l);
                b.weight(name, "weight", w.array().transpose(1, 0));
                matmul = name;
            }
            case "Add", "Sum" -> {
                addBias(n, where);
                keepsDims = true;
            }
            case "Relu", "Sigmoid", "Tanh" -> {
                b.add(where, ModelBuilder.layer(op.toLowerCase(), name));
                keepsDims = true;
            }
            case "LeakyRelu" -> {
                Map<String, Object> l = ModelBuilder.layer("leaky_relu", name);
                l.put("alpha", (double) floatAttr(n, "alpha", 0.01f));
                b.add(where, l);
                keepsDims = true;
            }
            case "Softmax" -> {
                softmax(n, name, where, inDims);
                keepsDims = true;
            }
            case "Flatten" -> {
                long axis = longAttr(n, "axis", 1);
                if (axis < 0) {
                    axis += inDims.length;
                }
                if (axis != 1) {
                    throw new ImportException(where + ": axis " + axis + " (only axis 1, keeping the batch, is "
                            + "supported)");
                }
                b.add(where, ModelBuilder.layer("flatten", name));
            }
            case "Reshape", "Squeeze" -> reshape(n, name, where, inDims);
            case "Dropout" -> {
                double rate = floatAttr(n, "ratio", 0.5f);
                if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
                    rate = constant(n, 1, where).array().data()[0];
                }
                Map<String, Object> l = ModelBuilder.layer("dropout", name);
                l.put("rate", rate);
                b.add(where, l);
                keepsDims = true;
            }
            case "Identity" -> keepsDims = true;
            case "Cast" -> {
                long to = longAttr(n, "to", 1);
                if (to != 1) {
                    throw new ImportException(where + ": a cast of the data to type " + to + " cannot be imported; our "
                            + "layers compute in float32 (type 1), and only a cast to it is dropped");
                }
                keepsDims = true;
            }
            case "Pad" -> pad(n, name, where, inDims);
            default -> throw new ImportException(where + ": operator not supported. Importable operators: "
                    + SUPPORTED);
        }
        for (int i = 1; i < n.getOutputCount(); i++) {
            if (!n.getOutput(i).isEmpty() && !op.equals("Dropout")) {
                throw new ImportException(where + ": its output " + i + " ('" + n.getOutput(i) + "') is used; only "
                        + "the first output of an operator can be imported");
            }
        }
        pendingMatMul = matmul;
        current = n.getOutput(0);
        shapes.put(current, keepsDims ? inDims : withBatch(b.current()));
    }

    /**
     * ONNX sums channels [c - floor((size-1)/2), c + ceil((size-1)/2)], our layer (PyTorch's rule) [c - floor(size/2),
     * c + floor((size-1)/2)]: the same window for odd sizes only. An even size is refused rather than shifted by one.
     */
    private static int lrnSize(NodeProto n, String where) {
        long size = longAttr(n, "size", 0);
        String received = " Received: size=" + size + ", alpha=" + floatAttr(n, "alpha", 1e-4f) + ", beta="
                + floatAttr(n, "beta", 0.75f) + ", bias=" + floatAttr(n, "bias", 1.0f) + ".";
        if (size < 1) {
            throw new ImportException(where + ": attribute size must be a positive number of channels." + received);
        }
        if (size % 2 == 0) {
            long h = (size - 1) / 2;
            throw new ImportException(where + ": an even size cannot be imported: ONNX's LRN sums channels [c - "
                    + h + ", c + " + (size - 1 - h) + "], our local_response_norm (PyTorch's rule) [c - " + size / 2
                    + ", c + " + (size - 1) / 2 + "]; the windows agree only for odd sizes." + received);
        }
        return (int) size;
    }

    private void conv(NodeProto n, String name, String where) {
        OnnxConst w = constant(n, 1, where);
        if (w.dims().length != 4) {
            throw new ImportException(where + ": only 2-D convolutions can be imported. Received: weight "
                    + Arrays.toString(w.dims()));
        }
        Map<String, Object> l = ModelBuilder.layer("conv2d", name);
        l.put("filters", (int) w.dims()[0]);
        l.put("kernel", List.of((int) w.dims()[2], (int) w.dims()[3]));
        l.put("stride", pairAttr(n, "strides", 1));
        l.put("padding", padding(n, where, (int) w.dims()[2], (int) w.dims()[3]));
        l.put("dilation", pairAttr(n, "dilations", 1));
        int groups = (int) longAttr(n, "group", 1);
        if (groups != 1) {
            l.put("groups", groups);
        }
        boolean bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
        l.put("bias", bias);
        b.add(where, l);
        b.weight(name, "weight", w.array());
        if (bias) {
            b.weight(name, "bias", constant(n, 2, where).array());
        }
    }

    private void pool(NodeProto n, String name, String where) {
        boolean avg = n.getOpType().equals("AveragePool");
        List<Integer> kernel = ints(attr(n, "kernel_shape"), where + ": attribute kernel_shape");
        if (kernel.size() != 2) {
            throw new ImportException(where + ": only 2-D pooling can be imported. Received: kernel_shape " + kernel);
        }
        List<Integer> dil = attr(n, "dilations") == null ? List.of(1, 1) : ints(attr(n, "dilations"), where);
        if (!dil.equals(List.of(1, 1))) {
            throw new ImportException(where + ": dilations " + dil + " on pooling are not supported");
        }
        Object stride = pairAttr(n, "strides", 1); // ONNX's default stride is 1, ours is the pool size
        boolean ceil = longAttr(n, "ceil_mode", 0) != 0;
        Object padding = padding(n, where, kernel.get(0), kernel.get(1));
        if (avg && longAttr(n, "count_include_pad", 0) != 0 && "same".equals(padding)) {
            throw new ImportException(where + ": count_include_pad=1 with auto_pad SAME_UPPER cannot be expressed (our "
                    + "\"same\" average pooling excludes the padding)");
        }
        if (avg && longAttr(n, "count_include_pad", 0) != 0 && padding instanceof List<?> p
                && p.stream().anyMatch(v -> (Integer) v != 0)) {
            // padded zeros count in the divisor: pad explicitly, then pool without padding
            if (ceil && !sameCeilWindows(p, kernel, stride)) {
                throw new ImportException(where + ": count_include_pad=1 with pads " + p + ", ceil_mode=" + ceil
                        + " cannot be expressed (the last window would differ)");
            }
            Map<String, Object> z = ModelBuilder.layer("zero_pad2d", b.uniqueName(name + "_pad", "pad"));
            z.put("padding", p);
            b.add(where, z);
            padding = 0;
        }
        Map<String, Object> l = ModelBuilder.layer(avg ? "avg_pool2d" : "max_pool2d", name);
        l.put("pool", List.of(kernel.get(0), kernel.get(1)));
        l.put("stride", stride);
        l.put("padding", padding);
        if (ceil) {
            l.put("ceil_mode", true);
        }
        b.add(where, l);
    }

    /** Whether ceil_mode keeps the same windows once the padding is explicit (PyTorch drops a window starting in
     * the right padding; with the padding made part of the input it would not). {@link Window} decides both. */
    private boolean sameCeilWindows(List<?> pads, List<Integer> kernel, Object stride) {
        Shape in = b.current();
        int sh = stride instanceof List<?> l ? (Integer) l.get(0) : (Integer) stride;
        int sw = stride instanceof List<?> l ? (Integer) l.get(1) : (Integer) stride;
        int top = (Integer) pads.get(0);
        int bottom = (Integer) pads.get(1);
        int left = (Integer) pads.get(2);
        int right = (Integer) pads.get(3);
        Window.Resolved padded = new Window(kernel.get(0), kernel.get(1), sh, sw, 1, 1,
                new Padding.Explicit(top, bottom, left, right), true).resolve(in.height(), in.width());
        Window.Resolved explicit = new Window(kernel.get(0), kernel.get(1), sh, sw, 1, 1,
                new Padding.Explicit(0, 0, 0, 0), true).resolve(in.height() + top + bottom, in.width() + left + right);
        return padded.outH() == explicit.outH() && padded.outW() == explicit.outW();
    }

    private void gemm(NodeProto n, String name, String where) {
        if (longAttr(n, "transA", 0) != 0) {
            throw new ImportException(where + ": transA=1 (a transposed activation) cannot be imported");
        }
        long[] in = shapes.get(current);
        if (in.length != 2) {
            throw new ImportException(where + ": Gemm on a " + in.length + "-D input " + show(in)
                    + "; flatten it first");
        }
        OnnxConst bw = constant(n, 1, where);
        FloatArray w = bw.array();
        // ours is [units, n_in]: B itself when transB=1, else B transposed; alpha folded in
        w = (longAttr(n, "transB", 0) != 0 ? w : w.transpose(1, 0)).scale(floatAttr(n, "alpha", 1f));
        int units = w.shape()[0];
        boolean bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
        Map<String, Object> l = ModelBuilder.layer("dense", name);
        l.put("units", units);
        l.put("bias", bias);
        b.add(where, l);
        b.weight(name, "weight", w);
        if (bias) {
            FloatArray c = constant(n, 2, where).array().scale(floatAttr(n, "beta", 1f));
            if (c.data().length == 1 && units > 1) {
                c = FloatArray.filled(units, c.data()[0]);
            }
            if (c.data().length != units) {
                throw new ImportException(where + ": C must broadcast per unit (" + units + " values). Received: shape "
                        + Arrays.toString(c.shape()));
            }
            b.weight(name, "bias", c.reshape(units));
        }
    }

    /**
     * An If whose condition folds to a constant is the branch it takes: the legacy exporter squeezes through one in
     * its decomposed LocalResponseNorm ({@code if x.size(1) == 1}).
     */
    private void inlineIf(NodeProto n, int index, String where) {
        OnnxConst condition = constants.get(n.getInput(0));
        if (condition == null || condition.size() != 1 || n.getOutputCount() != 1) {
            throw new ImportException(where + ": an If is importable only with one output and a condition that folds "
                    + "to a constant; this one's condition '" + n.getInput(0) + "' is computed from the data");
        }
        GraphProto branch = attr(n, condition.get(0) != 0 ? "then_branch" : "else_branch").getG();
        for (TensorProto t : branch.getInitializerList()) {
            constants.put(t.getName(), tensors.tensor(t, where + " branch initializer '" + t.getName() + "'"));
        }
        for (int i = 0; i < branch.getNodeCount(); i++) {
            node(branch.getNode(i), index);
        }
        String out = branch.getOutput(0).getName();
        String target = n.getOutput(0);
        if (constants.containsKey(out)) {
            constants.put(target, constants.get(out));
        } else if (lrn != null && out.equals(lrn.at)) {
            lrn.at = target;
        } else if (out.equals(current)) {
            current = target;
            shapes.put(target, shapes.get(out));
        } else {
            throw new ImportException(where + ": the branch taken ends in '" + out + "', which is neither a constant "
                    + "nor the chain's current tensor '" + current + "'");
        }
    }

    /**
     * An Add (or Sum) of a constant right after a Conv, Gemm or MatMul: a bias, one value per output channel or unit
     * ({@code [C]}, {@code [C, 1, 1]}, {@code [1, C, 1, 1]}), added to the layer's own bias if it has one. Older
     * exporters and converted Caffe models write biases this way.
     */
    private void addBias(NodeProto n, String where) {
        if (pendingMatMul == null || n.getInputCount() != 2) {
            throw new ImportException(where + ": " + n.getOpType() + " of a constant is importable only as the bias "
                    + "right after a Conv, Gemm or MatMul; an Add of two computed tensors (a residual) is not");
        }
        Map<String, Object> layer = b.last();
        boolean conv = layer.get("type").equals("conv2d");
        int units = conv ? ((Number) layer.get("filters")).intValue() : (int) b.current().elements();
        OnnxConst c = constant(n, 1, where);
        long[] d = c.dims();
        boolean perUnit = c.size() == units && (d.length <= 1 || conv && (d.length == 3 && d[1] == 1 && d[2] == 1
                || d.length == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1) || !conv && d.length == 2 && d[0] == 1);
        if (!perUnit) {
            throw new ImportException(where + ": the bias after " + pendingMatMul + " must have one value per "
                    + (conv ? "output channel, shape [" + units + "], [" + units + ", 1, 1] or [1, " + units + ", 1, 1]"
                    : "unit, shape [" + units + "] or [1, " + units + "]") + ". Received: shape " + Arrays.toString(d));
        }
        FloatArray bias = c.array().reshape(units);
        FloatArray own = b.weightOf(pendingMatMul, "bias");
        if (own != null) {
            float[] sum = own.data().clone();
            for (int i = 0; i < units; i++) {
                sum[i] += bias.data()[i];
            }
            bias = new FloatArray(new int[] {units}, sum);
        }
        layer.put("bias", true);
        b.weight(pendingMatMul, "bias", bias);
    }

    private void softmax(NodeProto n, String name, String where, long[] in) {
        long axis = longAttr(n, "axis", opset < 13 ? 1 : -1);
        if (axis < 0) {
            axis += in.length;
        }
        boolean ok;
        if (opset < 13) { // softmax over everything from axis on, flattened
            ok = axis == 1 && (in.length == 2 || in[2] * in[3] == 1);
        } else {
            ok = axis == 1;
        }
        if (!ok) {
            throw new ImportException(where + ": softmax over axis " + axis + " of a " + show(in) + " tensor (opset "
                    + opset + ") cannot be imported; ours runs over the channel / feature axis 1");
        }
        b.add(where, ModelBuilder.layer("softmax", name));
    }

    private void reshape(NodeProto n, String name, String where, long[] in) {
        long elements = 1;
        for (int i = 1; i < in.length; i++) {
            elements *= in[i];
        }
        long[] target;
        if (n.getOpType().equals("Squeeze")) {
            target = new long[] {BATCH, elements};
            if (in.length != 4 || in[2] != 1 || in[3] != 1) {
                throw new ImportException(where + ": only a squeeze of [N, C, 1, 1] to [N, C] can be imported. "
                        + "Received: " + show(in));
            }
        } else {
            target = constant(n, 1, where).longs().clone();
            for (int i = 0; i < target.length; i++) {
                if (target[i] == 0 && longAttr(n, "allowzero", 0) == 0 && i < in.length) {
                    target[i] = in[i];
                }
            }
        }
        boolean flatten = target.length == 2 && (target[0] == BATCH && (target[1] == elements || target[1] == -1)
                || target[0] == -1 && target[1] == elements || target[0] == 1 && target[1] == -1);
        if (Arrays.equals(target, in)) {
            shapes.put(n.getOutput(0), in);
            current = n.getOutput(0);
            return;
        }
        if (!flatten && target.length == 2 && exportBatch > 1 && target[0] == exportBatch
                && (target[1] == elements || target[1] == -1)) {
            // exported with a fixed batch: [B, F] with B the export batch keeps the batch, as x.view(x.size(0), -1)
            flatten = true;
        }
        if (!flatten) {
            throw new ImportException(where + ": reshape of " + show(in) + " to " + show(target) + " cannot be "
                    + "imported; only flattening to [N, features] is supported");
        }
        b.add(where, ModelBuilder.layer("flatten", name));
        shapes.put(n.getOutput(0), withBatch(b.current()));
        current = n.getOutput(0);
        pendingMatMul = null;
    }

    private void pad(NodeProto n, String name, String where, long[] in) {
        String mode = stringAttr(n, "mode", "constant");
        long[] p = n.getInputCount() > 1 ? constant(n, 1, where).longs() : longs(attr(n, "pads"));
        if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) { // opset 18: pads only for the listed axes
            p = padsOnAxes(p, constant(n, 3, where).longs(), in.length, where);
        }
        boolean zero = n.getInputCount() < 3 || n.getInput(2).isEmpty()
                || constant(n, 2, where).array().data()[0] == 0f;
        if (!mode.equals("constant") || !zero || p.length != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0) {
            throw new ImportException(where + ": only zero padding of height and width can be imported. Received: "
                    + "mode " + mode + ", pads " + Arrays.toString(p));
        }
        Map<String, Object> l = ModelBuilder.layer("zero_pad2d", name);
        l.put("padding", List.of((int) p[2], (int) p[6], (int) p[3], (int) p[7]));
        b.add(where, l);
    }

    /** Opset 18's Pad with {@code axes}: its pads [begin per axis..., end per axis...] spread over all the axes. */
    static long[] padsOnAxes(long[] p, long[] axes, int rank, String where) {
        if (p.length != 2 * axes.length) {
            throw new ImportException(where + ": pads " + Arrays.toString(p) + " must have 2 values per axis of "
                    + Arrays.toString(axes));
        }
        long[] full = new long[2 * rank];
        for (int i = 0; i < axes.length; i++) {
            int a = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
            full[a] = p[i];
            full[rank + a] = p[axes.length + i];
        }
        return full;
    }

    /** ReduceMean / ReduceMax must reduce exactly H and W of [N, C, H, W]; returns keepdims. */
    private boolean reduceOverImage(NodeProto n, String where, long[] in) {
        long[] axes = n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? constant(n, 1, where).longs()
                : longs(attr(n, "axes"));
        long[] norm = Arrays.stream(axes).map(a -> a < 0 ? a + in.length : a).sorted().toArray();
        if (in.length != 4 || !Arrays.equals(norm, new long[] {2, 3})) {
            throw new ImportException(where + ": only a reduction over height and width (axes [2, 3] of [N, C, H, W], "
                    + "global pooling) can be imported. Received: axes " + Arrays.toString(axes) + " of " + show(in));
        }
        return longAttr(n, "keepdims", 1) != 0;
    }

    /** ONNX pads are [top, left, bottom, right]; ours [top, bottom, left, right]. */
    private Object padding(NodeProto n, String where, int kh, int kw) {
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        switch (auto.isEmpty() ? "NOTSET" : auto) {
            case "SAME_UPPER":
                return "same";
            case "VALID":
                return "valid";
            case "NOTSET":
                break;
            default:
                throw new ImportException(where + ": auto_pad " + auto + " is not supported (SAME_UPPER, VALID or "
                        + "explicit pads)");
        }
        AttributeProto a = attr(n, "pads");
        if (a == null) {
            return List.of(0, 0, 0, 0);
        }
        List<Integer> p = ints(a, where + ": attribute pads");
        if (p.size() != 4) {
            throw new ImportException(where + ": pads " + p + " are not 2-D");
        }
        return List.of(p.get(0), p.get(2), p.get(1), p.get(3));
    }

    // ---- constants and shapes

    /** The node's layer name (see {@link OnnxNames}), else {@code <op>_<index>}; unique in the model. */
    private String layerName(NodeProto n, int index) {
        return b.uniqueName(OnnxNames.wanted(n), n.getOpType().toLowerCase() + "_" + index);
    }

    private OnnxConst constant(NodeProto n, int input, String where) {
        if (n.getInputCount() <= input || !constants.containsKey(n.getInput(input))) {
            throw new ImportException(where + ": input " + input + " must be a constant (initializer)");
        }
        return constants.get(n.getInput(input));
    }

    private int count(NodeProto n, int input) {
        return constants.get(n.getInput(input)).array().data().length;
    }

    private static long[] withBatch(Shape s) {
        long[] out = new long[s.rank() + 1];
        out[0] = BATCH;
        for (int i = 0; i < s.rank(); i++) {
            out[i + 1] = s.dim(i);
        }
        return out;
    }

    private static String show(long[] dims) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i > 0 ? ", " : "").append(dims[i] == BATCH ? "N" : Long.toString(dims[i]));
        }
        return sb.append("]").toString();
    }
}
