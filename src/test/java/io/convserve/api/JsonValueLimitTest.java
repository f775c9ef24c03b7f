package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convserve.serving.LimitsProperties;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/** Counting JSON values while streaming, before a tree is built. */
class JsonValueLimitTest {

    static byte[] array(int values) {
        return ("[" + "0.1,".repeat(values - 1) + "0.1]").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void checkWhenMoreValuesThanTheLimitThrows413NamingCountAndLimit() {
        // 10 scalar values: the name and nine numbers
        String body = "{\"inputs\": [{\"name\": \"x\", \"data\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}]}";
        assertThatThrownBy(() -> JsonValueLimit.check(body.getBytes(StandardCharsets.UTF_8), 0, body.length(), 9,
                () -> "set by inference.limits.max-request-values"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status())
                        .isEqualTo(HttpStatus.CONTENT_TOO_LARGE))
                .hasMessageStartingWith("request body holds more than 9 JSON values")
                .hasMessageContaining("the limit is 9: set by inference.limits.max-request-values");
    }

    @Test
    void checkWhenAtTheLimitOrNotJsonPasses() {
        String body = "{\"inputs\": [{\"name\": \"x\", \"data\": [1, 2, 3, 4, 5, 6, 7, 8]}]}"; // 9 scalar values
        JsonValueLimit.check(body.getBytes(StandardCharsets.UTF_8), 0, body.length(), 9, () -> "");
        byte[] broken = "[1, 2, 3, oops".getBytes(StandardCharsets.UTF_8);
        JsonValueLimit.check(broken, 0, broken.length, 1_000, () -> "");
    }

    @Test
    void derivedLimitIsMaxBatchTimesOneExamplePlusOverhead() {
        assertThat(JsonValueLimit.limit(LimitsProperties.defaults(), 64, 784)).isEqualTo(64 * 784 + 4096);
        assertThat(JsonValueLimit.rule(LimitsProperties.defaults(), "lenet5", 64, 784))
                .contains("model 'lenet5' takes at most 64 x 784 = 50176 values", "inference.limits.max-request-values");
        assertThat(JsonValueLimit.limit(LimitsProperties.defaults().withMaxRequestValues(1000, 1), 64, 784)).isEqualTo(1000);
    }

    /** The measurement behind the limit: 16 MiB of "0.1," as a tree, and refused by counting. */
    @Test
    void countingA16MiBArrayAllocatesLittleComparedWithItsTree() {
        byte[] body = array(16 * 1024 * 1024 / 4);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> JsonValueLimit.check(body, 0, body.length, 54_272, () -> "lenet5"))
                .hasMessageStartingWith("request body holds more than 54272 JSON values");
        long countMs = (System.nanoTime() - t0) / 1_000_000;
        long counted = threads.getThreadAllocatedBytes(id) - before;
        before = threads.getThreadAllocatedBytes(id);
        t0 = System.nanoTime();
        int size = JsonValueLimit.MAPPER.readTree(body).size();
        long treeMs = (System.nanoTime() - t0) / 1_000_000;
        long tree = threads.getThreadAllocatedBytes(id) - before;
        System.out.printf("16 MiB array of %d values: refused by counting after %d ms, %d KB allocated; "
                + "as a tree %d ms, %d MB allocated%n", size, countMs, counted / 1024, treeMs, tree >> 20);
        assertThat(counted).isLessThan(tree / 20);
    }
}
