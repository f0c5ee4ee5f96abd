package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Failures inside parallel blocks: an exception or an {@code Error} (an OutOfMemoryError while a
 * kernel first allocates its per-thread buffers, a StackOverflowError), in block 0 (the caller's)
 * or in a worker's. The call must wait for every block, rethrow the first failure with the others
 * suppressed, and leave the pool serving normal jobs; before this, an Error killed its worker and
 * the next call spun for ever. Every test has a timeout: a hang fails it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerPoolFailureTest {

    private static final int BLOCKS = 8;

    /** A normal job: every block runs exactly once. */
    private static void normalJobsStillRun() {
        for (int round = 0; round < 50; round++) {
            AtomicIntegerArray ran = new AtomicIntegerArray(BLOCKS);
            WorkerPool.run(BLOCKS, (index, count) -> ran.incrementAndGet(index));
            for (int i = 0; i < BLOCKS; i++) {
                assertThat(ran.get(i)).as("block " + i + " of round " + round).isEqualTo(1);
            }
        }
    }

    private static void requireWorkers() {
        Assumptions.assumeTrue(WorkerPool.threads() > 1, "needs at least two threads (one worker)");
    }

    @Test
    void anExceptionInAWorkerReachesTheCallerAfterEveryBlock() {
        requireWorkers();
        AtomicIntegerArray done = new AtomicIntegerArray(BLOCKS);
        assertThatThrownBy(() -> WorkerPool.run(BLOCKS, (index, count) -> {
            if (index == 1) {
                throw new IllegalStateException("block 1 failed");
            }
            sleep(20);
            done.incrementAndGet(index);
        })).isInstanceOf(IllegalStateException.class).hasMessage("block 1 failed");
        // the caller returned only after the other blocks had finished
        for (int i = 0; i < BLOCKS; i++) {
            assertThat(done.get(i)).as("block " + i).isEqualTo(i == 1 ? 0 : 1);
        }
        normalJobsStillRun();
    }

    @Test
    void errorsInWorkersAndInBlockZeroKillNothing() {
        requireWorkers();
        assertThatThrownBy(() -> WorkerPool.run(BLOCKS, (index, count) -> {
            if (index == 1) {
                throw new OutOfMemoryError("injected in a worker");
            }
        })).isInstanceOf(OutOfMemoryError.class).hasMessage("injected in a worker");
        normalJobsStillRun();
        assertThatThrownBy(() -> WorkerPool.run(BLOCKS, (index, count) -> {
            if (index == 1) {
                recurse(0);
            }
        })).isInstanceOf(StackOverflowError.class);
        normalJobsStillRun();
        // an Error on the calling thread: it still waits for the workers before it rethrows
        AtomicIntegerArray done = new AtomicIntegerArray(BLOCKS);
        assertThatThrownBy(() -> WorkerPool.run(BLOCKS, (index, count) -> {
            if (index == 0) {
                throw new AssertionError("caller's block");
            }
            sleep(30);
            done.incrementAndGet(index);
        })).isInstanceOf(AssertionError.class).hasMessage("caller's block");
        for (int i = 1; i < WorkerPool.threads(); i++) {
            assertThat(done.get(i)).as("worker block " + i + " finished before the call returned").isEqualTo(1);
        }
        normalJobsStillRun();
    }

    @Test
    void severalFailuresAreOneExceptionWithTheOthersSuppressed() {
        requireWorkers();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> WorkerPool.run(WorkerPool.threads(),
                (index, count) -> {
                    throw new IllegalArgumentException("block " + index);
                }));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage("block 0");
        assertThat(t.getSuppressed()).hasSize(WorkerPool.threads() - 1);
        normalJobsStillRun();
    }

    @Test
    void anInterruptedCallerKeepsItsInterruptAndTheJobCompletes() {
        requireWorkers();
        Thread.currentThread().interrupt();
        AtomicIntegerArray ran = new AtomicIntegerArray(BLOCKS);
        WorkerPool.run(BLOCKS, (index, count) -> ran.incrementAndGet(index));
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
        for (int i = 0; i < BLOCKS; i++) {
            assertThat(ran.get(i)).isEqualTo(1);
        }
        normalJobsStillRun();
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
