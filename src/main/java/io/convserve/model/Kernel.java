package io.convserve.model;

/** Who computes a step. */
public enum Kernel {
    /** One libnd4j op (OpenBLAS, or oneDNN when present) on a context built once. */
    NATIVE,
    /**
     * Single-threaded Java loops on heap arrays, for work so small that a native call's fixed cost (15-60 µs on
     * a loaded machine) exceeds the arithmetic (LeNet at small batches, {@link Planner}).
     */
    JAVA,
    /** Nothing runs: the step's output is a view of its input (flatten, dropout). */
    VIEW
}
