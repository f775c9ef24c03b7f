package io.convserve.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer of the stack: immutable configuration plus the description of its computation ({@link #op}). Shapes
 * exclude the batch dimension. Every method that takes an input shape may throw {@link ArchitectureException}
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

    /**
     * This layer's computation for this input shape, with {@code params} keyed by {@link ParameterSpec#name()}: the
     * {@link Planner} turns the ops of a stack into the steps of an {@link ExecutionPlan}.
     */
    Op op(Shape input, Map<String, INDArray> params);
}
