package io.convserve.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.model.Network;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A request mix that keeps changing the batch size holds at most {@code inference.plan-cache-size} of plan buffers
 * per worker and version (here 1 MB, a few lenet5 plans), dropping the least recently used, and every answer stays
 * the network's own.
 */
@SpringBootTest(properties = {"inference.plan-cache-size=1MB", "inference.dynamic-batching=false"})
class PlanCacheTest {

    @Autowired
    InferenceService inference;

    @Autowired
    ModelRegistry registry;

    @Test
    void growingBatchSizesStayWithinTheBudget() {
        LoadedModel lenet = registry.find("lenet5", null).orElseThrow();
        Network network = lenet.network();
        long unbounded = 0;
        long most = 0;
        Random random = new Random(5);
        for (int batch = 1; batch <= 40; batch++) {
            float[] x = new float[batch * 784];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat();
            }
            float[] served = inference.infer(lenet, x, new long[] {batch, 1, 28, 28}).values();
            float[] expected = network.forward(Nd4j.create(x, new long[] {batch, 1, 28, 28}, 'c')).dup('c').data()
                    .asFloat();
            assertThat(served).as("batch %d", batch).containsExactly(expected);
            unbounded += network.plan(batch).bytes();
            most = Math.max(most, inference.planCacheBytes());
        }
        System.out.printf("plan cache: batch sizes 1-40 of lenet5 need %d bytes of plans, held at most %d (budget %d)%n",
                unbounded, most, 1L << 20);
        assertThat(unbounded).as("what keeping every plan would hold").isGreaterThan(4L << 20);
        assertThat(most).as("plan bytes held").isPositive().isLessThanOrEqualTo(1L << 20);
    }
}
