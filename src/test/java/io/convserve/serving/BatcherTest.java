package io.convserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convserve.registry.LoadedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler on its own, with an engine that doubles its input and records the batches it ran: merging, splitting,
 * refusal when full, deadlines, chunking, and that every accepted request is answered exactly once.
 */
class BatcherTest {

    static final LoadedModel MODEL = new LoadedModel("m", "1", null, null, List.of(), false, Duration.ZERO, "");

    final List<Integer> batches = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    /** Counted down when the first (blocked) pass has begun: the worker holds it, later requests queue. */
    final CountDownLatch blocked = new CountDownLatch(1);
    volatile boolean blockFirst;
    final AtomicInteger runs = new AtomicInteger();
    Batcher batcher;

    volatile Throwable failNext;

    /** Doubles every value; output rows have 2 values per example (the example's first value, doubled, twice). */
    Map<String, InferenceService.Result> engine(LoadedModel m, float[] values, long[] shape, Set<String> layers) {
        if (runs.getAndIncrement() == 0 && blockFirst) {
            blocked.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable failure = failNext;
        if (failure != null) {
            failNext = null;
            if (failure instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) failure;
        }
        batches.add((int) shape[0]);
        int n = (int) shape[0];
        int per = values.length / n;
        float[] out = new float[n * 2];
        for (int i = 0; i < n; i++) {
            out[2 * i] = values[i * per] * 2;
            out[2 * i + 1] = values[i * per] * 2;
        }
        return Map.of("", new InferenceService.Result(new long[] {n, 2}, out));
    }

    Batcher start(BatchingSettings settings) {
        batcher = new Batcher(MODEL, settings, this::engine, () -> { });
        return batcher;
    }

    static float[] example(float value, int n) {
        float[] v = new float[n * 3];
        for (int i = 0; i < n; i++) {
            v[i * 3] = value + i;
        }
        return v;
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (batcher != null) {
            batcher.close("test over");
        }
    }

    @Test
    void queuedRequestsAreMergedAndSplitBack() throws Exception {
        blockFirst = true;
        start(new BatchingSettings(true, 64, 0, 100, 0, 0, 1));
        Batcher.Job first = batcher.submit(example(0, 1), new long[] {1, 3}, Set.of(), 0);
        assertThat(blocked.await(5, TimeUnit.SECONDS)).as("the first pass began").isTrue();
        List<Batcher.Job> jobs = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            jobs.add(batcher.submit(example(100 * i, i % 3 + 1), new long[] {i % 3 + 1, 3}, Set.of(), 0));
        }
        release.countDown();

        first.future.get(5, TimeUnit.SECONDS);
        for (int i = 1; i <= 10; i++) {
            Batcher.Outcome o = jobs.get(i - 1).future.get(5, TimeUnit.SECONDS);
            InferenceService.Result r = o.results().get("");
            int n = i % 3 + 1;
            assertThat(r.shape()).containsExactly(n, 2);
            for (int row = 0; row < n; row++) {
                assertThat(r.values()[2 * row]).isEqualTo(2 * (100 * i + row));
            }
            assertThat(o.queueNanos()).isPositive();
        }
        // the ten queued requests (20 examples) ran as one pass after the blocked one
        assertThat(batches).containsExactly(1, 20);
    }

    @Test
    void withoutDynamicBatchingEveryRequestRunsAlone() throws Exception {
        blockFirst = true;
        start(new BatchingSettings(false, 64, 0, 100, 0, 0, 1));
        List<Batcher.Job> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(batcher.submit(example(i, 2), new long[] {2, 3}, Set.of(), 0));
        }
        release.countDown();
        for (Batcher.Job job : jobs) {
            job.future.get(5, TimeUnit.SECONDS);
        }
        assertThat(batches).containsExactly(2, 2, 2, 2, 2);
    }

    @Test
    void mergedBatchesStopAtTheMaximumBatchSizeAndRequestsWithOtherLayersWait() throws Exception {
        blockFirst = true;
        start(new BatchingSettings(true, 8, 0, 100, 0, 0, 1));
        batcher.submit(example(0, 1), new long[] {1, 3}, Set.of(), 0);
        assertThat(blocked.await(5, TimeUnit.SECONDS)).as("the first pass began").isTrue();
        List<Batcher.Job> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(batcher.submit(example(i, 3), new long[] {3, 3}, i == 4 ? Set.of("conv1") : Set.of(), 0));
        }
        release.countDown();
        for (Batcher.Job job : jobs) {
            job.future.get(5, TimeUnit.SECONDS);
        }
        // 3+3 fit in 8, a third 3 would not: it starts the next batch with the fourth; the fifth asks for conv1's
        // output too, so it runs alone, and the sixth after it
        assertThat(batches).containsExactly(1, 6, 6, 3, 3);
    }

    @Test
    void largeBatchesRunInChunksOfThePreferredSize() throws Exception {
        start(new BatchingSettings(true, 64, 0, 100, 0, 8, 1));
        Batcher.Outcome o = batcher.submit(example(0, 20), new long[] {20, 3}, Set.of(), 0).future
                .get(5, TimeUnit.SECONDS);
        assertThat(batches).containsExactly(8, 8, 4);
        InferenceService.Result r = o.results().get("");
        assertThat(r.shape()).containsExactly(20, 2);
        for (int row = 0; row < 20; row++) {
            assertThat(r.values()[2 * row]).isEqualTo(2 * row);
        }
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        blockFirst = true;
        start(new BatchingSettings(true, 64, 0, 3, 0, 0, 1));
        batcher.submit(example(0, 1), new long[] {1, 3}, Set.of(), 0);
        assertThat(blocked.await(5, TimeUnit.SECONDS)).as("the first pass began").isTrue();
        List<Batcher.Job> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            accepted.add(batcher.submit(example(i, 1), new long[] {1, 3}, Set.of(), 0));
        }
        assertThatThrownBy(() -> batcher.submit(example(9, 1), new long[] {1, 3}, Set.of(), 0))
                .isInstanceOf(Batcher.OverloadedException.class).hasMessageContaining("max_queue_size 3");
        assertThat(batcher.pending()).isEqualTo(3);
        release.countDown();
        for (Batcher.Job job : accepted) {
            assertThat(job.future.get(5, TimeUnit.SECONDS).results()).isNotEmpty();
        }
    }

    @Test
    void aRequestPastItsDeadlineIsAnsweredWithoutBeingComputed() throws Exception {
        blockFirst = true;
        start(new BatchingSettings(true, 64, 0, 100, 0, 0, 1));
        batcher.submit(example(0, 1), new long[] {1, 3}, Set.of(), 0);
        assertThat(blocked.await(5, TimeUnit.SECONDS)).as("the first pass began").isTrue();
        Batcher.Job late = batcher.submit(example(5, 1), new long[] {1, 3}, Set.of(),
                TimeUnit.MILLISECONDS.toNanos(20));
        Batcher.Job patient = batcher.submit(example(7, 1), new long[] {1, 3}, Set.of(), 0);
        Thread.sleep(100);
        release.countDown();

        assertThatThrownBy(() -> late.future.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(Batcher.TimedOutException.class).hasMessageContaining("timeout of 20000 µs");
        assertThat(patient.future.get(5, TimeUnit.SECONDS).results().get("").values()[0]).isEqualTo(14);
        assertThat(batches).containsExactly(1, 1);
    }

    @Test
    void theQueueDelayWaitsForMoreRequests() throws Exception {
        start(new BatchingSettings(true, 64, TimeUnit.MILLISECONDS.toNanos(300), 100, 0, 0, 1));
        List<Batcher.Job> jobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            jobs.add(batcher.submit(example(i, 1), new long[] {1, 3}, Set.of(), 0));
            Thread.sleep(20);
        }
        for (Batcher.Job job : jobs) {
            job.future.get(5, TimeUnit.SECONDS);
        }
        assertThat(batches).containsExactly(4);
    }

    @Test
    void closingAnswersEveryQueuedRequest() throws Exception {
        blockFirst = true;
        start(new BatchingSettings(true, 64, 0, 100, 0, 0, 1));
        Batcher.Job running = batcher.submit(example(0, 1), new long[] {1, 3}, Set.of(), 0);
        assertThat(blocked.await(5, TimeUnit.SECONDS)).as("the first pass began").isTrue();
        Batcher.Job queued = batcher.submit(example(1, 1), new long[] {1, 3}, Set.of(), 0);
        batcher.close("shutting down");
        release.countDown();
        assertThatThrownBy(() -> queued.future.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(
                Batcher.OverloadedException.class).hasMessageContaining("shutting down");
        assertThat(running.future.get(5, TimeUnit.SECONDS).results()).isNotEmpty();
        assertThat(batcher.submit(example(1, 1), new long[] {1, 3}, Set.of(), 0)).isNull();
    }

    @Test
    void aFailingPassFailsItsRequestsAndTheWorkerGoesOn() throws Exception {
        start(new BatchingSettings(true, 64, 0, 100, 0, 0, 1));
        for (Throwable failure : List.of(new IllegalStateException("native op failed"), new StackOverflowError())) {
            failNext = failure;
            Batcher.Job failed = batcher.submit(example(1, 1), new long[] {1, 3}, Set.of(), 0);
            assertThatThrownBy(() -> failed.future.get(5, TimeUnit.SECONDS)).hasCause(failure);
            Batcher.Job next = batcher.submit(example(2, 1), new long[] {1, 3}, Set.of(), 0);
            assertThat(next.future.get(5, TimeUnit.SECONDS).results().get("").values()[0]).isEqualTo(4);
        }
    }

    @Test
    void manyClientsAllGetTheirOwnAnswer() throws Exception {
        start(new BatchingSettings(true, 16, TimeUnit.MICROSECONDS.toNanos(200), 1000, 0, 0, 2));
        List<Thread> clients = new ArrayList<>();
        List<String> wrong = new CopyOnWriteArrayList<>();
        AtomicInteger answered = new AtomicInteger();
        for (int c = 0; c < 16; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                for (int k = 0; k < 50; k++) {
                    float value = client * 1000 + k;
                    try {
                        Batcher.Job job = batcher.submit(example(value, 1), new long[] {1, 3}, Set.of(), 0);
                        float got = job.future.get(10, TimeUnit.SECONDS).results().get("").values()[0];
                        if (got != 2 * value) {
                            wrong.add(client + "/" + k + ": " + got);
                        }
                        answered.incrementAndGet();
                    } catch (Exception e) {
                        wrong.add(client + "/" + k + ": " + e);
                    }
                }
            });
            t.start();
            clients.add(t);
        }
        for (Thread t : clients) {
            t.join();
        }
        assertThat(wrong).isEmpty();
        assertThat(answered.get()).isEqualTo(800);
        assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(800);
        assertThat(batches).allSatisfy(b -> assertThat(b).isBetween(1, 16));
        System.out.println("800 requests from 16 clients ran in " + batches.size() + " passes");
    }
}
