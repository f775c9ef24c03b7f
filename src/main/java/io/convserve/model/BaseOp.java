package io.convserve.model;

/**
 * An {@link Op} with its output shape fixed at construction; with an activation of its own (convolution, dense),
 * one that applies it itself and may take a following activation layer into its step.
 */
abstract class BaseOp implements Op {

    private final Shape output;
    private final Activation activation;

    BaseOp(Shape output) {
        this(output, null);
    }

    /** {@code activation} applied in the op's own step (null: the op has none and cannot take one). */
    BaseOp(Shape output, Activation activation) {
        this.output = output;
        this.activation = activation;
    }

    @Override
    public final Shape outputShape() {
        return output;
    }

    @Override
    public final Activation activation() {
        return activation == null ? Activation.NONE : activation;
    }

    @Override
    public final boolean fusesActivation() {
        return activation != null;
    }
}
