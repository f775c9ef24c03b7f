package io.convserve.serving;

import io.convserve.model.ExecutionPlan;
import io.convserve.model.Network;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One worker's execution plans of one model version, by batch size, within a budget of buffer bytes: a request mix
 * that keeps changing batch sizes would otherwise make a plan, with its native buffers, for every size it meets.
 * The least recently used plans go first; a batch whose plan alone exceeds the budget gets none (the caller runs
 * it unplanned). Used by its worker thread only; {@link #bytes()} may be read from any thread.
 */
final class PlanCache {

    private final long budget;
    private final Map<Integer, ExecutionPlan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private volatile long bytes;

    PlanCache(long budget) {
        this.budget = budget;
    }

    ExecutionPlan get(Network network, int batch) {
        ExecutionPlan plan = plans.get(batch);
        if (plan != null) {
            return plan;
        }
        long estimate = (network.summary().totals().activationBytes() + network.inputShape().elements() * 4) * batch;
        if (estimate > budget) {
            return null;
        }
        plan = network.plan(batch);
        long size = plan.bytes();
        if (size > budget) {
            return plan; // larger than the estimate said: used for this pass, not kept
        }
        long held = bytes;
        for (Iterator<ExecutionPlan> eldest = plans.values().iterator(); held + size > budget && eldest.hasNext(); ) {
            held -= eldest.next().bytes();
            eldest.remove();
        }
        plans.put(batch, plan);
        bytes = held + size;
        return plan;
    }

    long bytes() {
        return bytes;
    }

    int size() {
        return plans.size();
    }
}
