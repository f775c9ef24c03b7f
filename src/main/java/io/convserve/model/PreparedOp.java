package io.convserve.model;

import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A libnd4j custom op bound once to its native context (arrays and arguments), for execution plans: executing it
 * then skips building a context per call, which halves the fixed cost of a custom op (about 45 to 20 µs on the
 * CI machine, docs/benchmarks.md) — what small networks such as LeNet spend most of a pass on. The context is
 * released with the plan (ND4J's deallocator). Not thread-safe, like the plan.
 */
final class PreparedOp implements Runnable {

    private final DynamicCustomOp op;
    private final OpContext context;

    PreparedOp(DynamicCustomOp op) {
        this.op = op;
        this.context = Nd4j.getExecutioner().buildContext();
        context.setInputArrays(op.inputArguments());
        context.setOutputArrays(op.outputArguments());
        context.setIArguments(op.iArgs());
        context.setTArguments(op.tArgs());
        context.setBArguments(op.bArgs());
        if (op.dArgs().length > 0) {
            context.setDArguments(op.dArgs());
        }
    }

    @Override
    public void run() {
        Nd4j.exec(op, context);
    }
}
