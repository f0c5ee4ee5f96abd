package dev.panamax.kernels.parallel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one pool of worker threads every parallel kernel shares: all cores by default, or
 * {@code -Dpanamax.threads=N}. Work is split into contiguous blocks, one per thread, and the
 * calling thread runs the first block itself; kernels take no locks.
 */
public final class WorkerPool {

    /** A range of work: runs items {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(long from, long to);
    }

    /**
     * Runs {@code body} over {@code [0, n)}, split into one contiguous range per thread when the
     * work is large ({@code n >= 2 minPerThread} items) and the segments may be shared with the
     * workers; otherwise on the calling thread in one piece. Ranges start at multiples of
     * {@code align} (rows of a row-wise kernel, whole vectors of an elementwise one).
     */
    public static void forRange(long n, long minPerThread, long align, Range body, MemorySegment... segments) {
        int parts = (int) Math.min(threads, n / Math.max(1, minPerThread));
        if (parts <= 1 || !shareable(segments)) {
            body.run(0, n);
            return;
        }
        long units = (n + align - 1) / align;
        run(parts, (index, count) -> {
            long from = Math.min(n, units * index / count * align);
            long to = Math.min(n, units * (index + 1) / count * align);
            if (from < to) {
                body.run(from, to);
            }
        });
    }

    /** A block of work: runs block {@code index} of {@code count}. */
    @FunctionalInterface
    public interface Block {
        void run(int index, int count);
    }

    private static final int MAX_THREADS = Math.max(1, Integer.getInteger("panamax.threads",
            Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool POOL = MAX_THREADS > 1
            ? new ForkJoinPool(MAX_THREADS - 1, pool -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("panamax-worker-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false)
            : null;

    private static volatile int threads = MAX_THREADS;

    private WorkerPool() {
    }

    /** Threads a parallel kernel may use (at least 1). */
    public static int threads() {
        return threads;
    }

    /**
     * Limits the threads kernels use from now on, between 1 and the pool's size
     * ({@code panamax.threads}, all cores by default).
     */
    public static void setThreads(int count) {
        if (count < 1 || count > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in [1, " + MAX_THREADS + "], got " + count);
        }
        threads = count;
    }

    /** Stands for "any worker": a confined segment is accessible by its owner thread only. */
    private static final Thread SOME_WORKER = new Thread(() -> { });

    /**
     * Whether worker threads may touch all of these segments (nulls, absent operands, are ignored). Segments of a confined arena may
     * only be used by the thread that owns them: kernels then run on the calling thread alone
     * (allocate from {@code Arena.ofShared()} or {@code Arena.ofAuto()} to use every core).
     */
    public static boolean shareable(MemorySegment... segments) {
        for (MemorySegment s : segments) {
            if (s != null && !s.isAccessibleBy(SOME_WORKER)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code count} blocks, block 0 on the calling thread and the rest on workers, and
     * returns when all are done. With one block (or one thread) nothing is forked.
     */
    public static void run(int count, Block block) {
        if (count <= 1 || POOL == null || threads == 1) {
            for (int i = 0; i < count; i++) {
                block.run(i, count);
            }
            return;
        }
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[count - 1];
        for (int i = 1; i < count; i++) {
            int index = i;
            forked[i - 1] = POOL.submit(new RecursiveAction() {
                @Override
                protected void compute() {
                    block.run(index, count);
                }
            });
        }
        RuntimeException failure = null;
        try {
            block.run(0, count);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> task : forked) {
            try {
                task.join();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
