package io.convserve.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer's computation for one input shape with its parameters bound, as the {@link Planner} sees it: which
 * kernels can compute it and on which input layouts, whether it works in place, is a mere view, or can take a
 * following activation into itself. The planner chooses among these and asks the op for the chosen step; the op
 * never chooses. One description per layer: there is no other forward path.
 */
public interface Op {

    /** The per-example output shape. */
    Shape outputShape();

    /** Multiply-accumulates of one example, bias excluded (what the planner sizes kernels by). */
    default long macs() {
        return 0;
    }

    /** What bounds the op's speed, for the planner's choice of kernel. */
    enum Work { CONVOLUTION, MATRIX_PRODUCT, MEMORY }

    default Work work() {
        return Work.MEMORY;
    }

    /** The input layouts {@code kernel} can read, fastest first; empty when the op has no such kernel. */
    List<Layout> layouts(Kernel kernel);

    /**
     * What reading the {@code rank}-th layout of {@link #layouts} costs against the first, in units of one layout
     * copy between steps: a slight preference by default.
     */
    default double layoutPenalty(Kernel kernel, int rank) {
        return 0.1 * rank;
    }

    /** The layout the result is in when the input is in {@code in}. */
    default Layout outputLayout(Layout in) {
        return in;
    }

    /** The activation the op applies to its own result ({@code NONE} if none). */
    default Activation activation() {
        return Activation.NONE;
    }

    /** Whether the op adds a bias in its own step (reported among the step's fusions). */
    default boolean addsBias() {
        return false;
    }

    /** Whether a following activation layer may be folded into this op when its own activation is {@code NONE}. */
    default boolean fusesActivation() {
        return false;
    }

    /** Whether the op writes its result over its input (element-wise ops): the plan gives it no buffer. */
    default boolean inPlace() {
        return false;
    }

    /**
     * The step for {@code kernel}, reading {@code b.in()} in layout {@code b.layout()} and writing {@code b.out()},
     * applying {@code b.activation()} (its own or a fused one). For {@link Kernel#VIEW} ops, {@code b.out()} is the
     * view and the step does nothing.
     */
    Step step(Kernel kernel, Bind b);

    /** What a step is built on: arrays (native steps) and the activation to apply. */
    record Bind(INDArray in, INDArray out, Layout layout, Activation activation, double alpha, int batch) {
    }

    /** One step: a native call on the bound arrays, or a Java kernel on the heap copies of the plan's buffers. */
    sealed interface Step {
    }

    /** Runs libnd4j ops bound to the arrays of the {@link Bind}. */
    record Native(Runnable run) implements Step {
    }

    /** Computes {@code out} from {@code in} (the same array when in place), row-major in the bound layout. */
    record Java(JavaKernel kernel) implements Step {
    }

    /** Nothing to run: the output is a view of the input. */
    record View() implements Step {
    }

    /** A Java kernel on heap arrays. */
    @FunctionalInterface
    interface JavaKernel {
        void run(float[] in, float[] out);
    }
}
