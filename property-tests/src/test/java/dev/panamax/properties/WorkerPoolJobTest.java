package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Reusable jobs ({@link WorkerPool.Job}): a thread gets its own job back call after call, a call
 * made from inside a running job gets a fresh one (so the outer call's fields stay intact), and a
 * job is released and cleared when its call ends, a failing call included; a kernel called from
 * a block is given one thread ({@link WorkerPool#threadsHere}).
 */
class WorkerPoolJobTest {

    private static final int BLOCKS = 6;

    /**
     * Counts its blocks into {@code ran}; runs {@code inner} (another call) from block 0 when set;
     * block {@code failing} throws.
     */
    private static final class Counting extends WorkerPool.Job {
        AtomicIntegerArray ran;
        Runnable inner;
        int failing = -1;
        int cleared;

        @Override
        public void run(int index, int count) {
            if (index == 0 && inner != null) {
                inner.run();
            }
            if (index == failing) {
                throw new IllegalStateException("block " + index + " failed");
            }
            ran.incrementAndGet(index);
        }

        @Override
        protected void clear() {
            ran = null;
            inner = null;
            failing = -1;
            cleared++;
        }
    }

    private static final WorkerPool.PerThread<Counting> JOBS = new WorkerPool.PerThread<>(Counting::new);

    @Test
    void aThreadReusesItsJobAndEveryBlockRunsOnce() {
        Counting first = null;
        int clearedBefore = 0;
        for (int round = 0; round < 20; round++) {
            Counting job = JOBS.claim();
            if (first == null) {
                first = job;
                clearedBefore = job.cleared;
            }
            assertThat(job).as("round %d", round).isSameAs(first);
            job.ran = new AtomicIntegerArray(BLOCKS);
            AtomicIntegerArray ran = job.ran;
            WorkerPool.run(BLOCKS, job);
            for (int i = 0; i < BLOCKS; i++) {
                assertThat(ran.get(i)).as("block %d of round %d", i, round).isEqualTo(1);
            }
            assertThat(job.ran).as("cleared after the call").isNull();
        }
        assertThat(first.cleared - clearedBefore).isEqualTo(20);
    }

    @Test
    void aCallFromInsideARunningJobGetsAJobOfItsOwn() {
        Counting outer = JOBS.claim();
        AtomicIntegerArray outerRan = new AtomicIntegerArray(BLOCKS);
        AtomicIntegerArray innerRan = new AtomicIntegerArray(BLOCKS);
        Counting[] innerJob = new Counting[1];
        outer.ran = outerRan;
        outer.inner = () -> {
            Counting inner = JOBS.claim();
            innerJob[0] = inner;
            inner.ran = innerRan;
            WorkerPool.run(BLOCKS, inner);
        };
        WorkerPool.run(BLOCKS, outer);
        assertThat(innerJob[0]).isNotSameAs(outer);
        for (int i = 0; i < BLOCKS; i++) {
            assertThat(outerRan.get(i)).as("outer block %d", i).isEqualTo(1);
            assertThat(innerRan.get(i)).as("inner block %d", i).isEqualTo(1);
        }
        assertThat(JOBS.claim()).as("the thread's own job, free again").isSameAs(outer);
        WorkerPool.run(0, outer);      // release it
    }

    @Test
    void aFailingCallReleasesItsJob() {
        Counting job = JOBS.claim();
        job.ran = new AtomicIntegerArray(BLOCKS);
        job.failing = 3;
        assertThatThrownBy(() -> WorkerPool.run(BLOCKS, job)).hasMessage("block 3 failed");
        assertThat(job.ran).as("cleared after the failed call").isNull();
        assertThat(JOBS.claim()).isSameAs(job);
        WorkerPool.run(0, job);
    }

    @Test
    void aRangeJobCoversTheRangeOnce() {
        long n = 1_000_003;
        AtomicIntegerArray hits = new AtomicIntegerArray(1);
        long[] covered = new long[1];
        WorkerPool.RangeJob job = new WorkerPool.RangeJob() {
            @Override
            public void run(long from, long to) {
                synchronized (covered) {
                    covered[0] += to - from;
                }
                hits.incrementAndGet(0);
            }

            @Override
            protected void clear() {
            }
        };
        WorkerPool.forRange(n, 1000, 16, job);
        assertThat(covered[0]).isEqualTo(n);
        assertThat(hits.get(0)).isEqualTo(Math.min(WorkerPool.threads(), (int) (n / 1000)));
    }

    @Test
    void aKernelInsideABlockHasOneThread() {
        assertThat(WorkerPool.threadsHere()).as("outside any job").isEqualTo(WorkerPool.threads());
        AtomicIntegerArray seen = new AtomicIntegerArray(BLOCKS);
        WorkerPool.run(BLOCKS, (index, count) -> seen.set(index, WorkerPool.threadsHere()));
        for (int i = 0; i < BLOCKS; i++) {
            assertThat(seen.get(i)).as("block %d, on whichever thread ran it", i).isEqualTo(1);
        }
        assertThat(WorkerPool.threadsHere()).as("after the job").isEqualTo(WorkerPool.threads());
    }
}
