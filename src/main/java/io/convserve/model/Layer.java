package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer of the stack: immutable configuration plus the arithmetic on it. Shapes exclude the
 * batch dimension. Every method that takes an input shape may throw {@link ArchitectureException}
 * naming this layer, the rule and every value.
 */
public interface Layer {

    /** Position in the stack, from 0. */
    int index();

    String name();

    /** The {@code type} of docs/design.md#the-layer-stack, e.g. {@code conv2d}. */
    String type();

    /** Every setting with defaults resolved, snake_case keys, as in model.json (without name and type). */
    Map<String, Object> config();

    Shape outputShape(Shape input);

    /** Parameter arrays for this input shape (dense and batch norm sizes depend on it). */
    default List<ParameterSpec> parameters(Shape input) {
        return List.of();
    }

    /** Multiply-accumulates of one example, bias excluded. */
    default long macs(Shape input) {
        return 0;
    }

    /**
     * The array the network keeps for parameter {@code spec}, given the checked float32 {@code array} of its declared
     * shape: the same values, in the memory layout this layer's kernels read fastest (by default the array itself).
     */
    default INDArray bind(ParameterSpec spec, INDArray array) {
        return array;
    }

    /** The forward pass for this input shape, with {@code params} keyed by {@link ParameterSpec#name()}. */
    Operation compile(Shape input, Map<String, INDArray> params);

    /**
     * The forward pass for one batch size with its op objects and output buffer built once, reading {@code in}
     * ({@code [N, ...input]}, owned by the plan), or null when this layer has no planned form (the plan then runs
     * {@link #compile}'s operation). The step may write into {@code in} (in-place activations).
     */
    default ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in) {
        return null;
    }

    /**
     * As {@link #plan(Shape, Map, INDArray)}, when the previous step also leaves its output in a contiguous NHWC
     * buffer {@code inNhwc} (otherwise null). A step that reads {@code inNhwc} instead of {@code in} says so
     * ({@link ExecutionPlan.Step#readsNhwc()}), which spares the previous step its copy back to NCHW.
     */
    default ExecutionPlan.Step plan(Shape input, Map<String, INDArray> params, INDArray in, INDArray inNhwc) {
        return plan(input, params, in);
    }
}
