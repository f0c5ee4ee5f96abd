package dev.panamax.kernels.parallel;

import java.lang.foreign.MemorySegment;

/**
 * The one pool of worker threads every parallel kernel shares: all cores by default, or
 * {@code -Dpanamax.threads=N}. Work is split into contiguous blocks, one per thread, and the
 * calling thread runs the first block itself; kernels take no locks. Idle workers spin for
 * {@code panamax.spinMicros} (20 µs) before parking, so back-to-back kernels find them awake.
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
        int parts = rangeParts(n, minPerThread);
        if (parts <= 1 || !shareable(segments)) {
            body.run(0, n);
            return;
        }
        RangesOf job = RANGES_OF.claim();
        job.body = body;
        forRange(n, minPerThread, align, job);
    }

    private static final PerThread<RangesOf> RANGES_OF = new PerThread<>(RangesOf::new);

    /** {@link #forRange(long, long, long, Range, MemorySegment...)}'s body as a job. */
    private static final class RangesOf extends RangeJob {
        Range body;

        @Override
        public void run(long from, long to) {
            body.run(from, to);
        }

        @Override
        protected void clear() {
            body = null;
        }
    }

    /**
     * Whether {@link #forRange} would run {@code [0, n)} on the calling thread in one piece, for
     * segments {@code a} and {@code b} (null when absent). A kernel asks first and then calls its
     * serial body directly: the closure handed to {@code forRange} is an object per call, which a
     * steady-state training step would otherwise allocate for every elementwise kernel.
     */
    public static boolean serial(long n, long minPerThread, MemorySegment a, MemorySegment b) {
        return rangeParts(n, minPerThread) <= 1 || !shareable(a, b);
    }

    /** {@link #serial(long, long, MemorySegment, MemorySegment)} for three segments. */
    public static boolean serial(long n, long minPerThread, MemorySegment a, MemorySegment b, MemorySegment c) {
        return serial(n, minPerThread, a, b) || !shareable(c);
    }

    /**
     * {@link #forRange} for a reusable job whose segments the caller has found shareable (a kernel
     * that asked {@link #serial} first): splits {@code [0, n)} as forRange does and calls
     * {@link RangeJob#run(long, long)} on each range, or once over {@code [0, n)} when the work is
     * small. Allocates nothing. The job is released (and {@linkplain Job#clear cleared}) when this
     * returns.
     */
    public static void forRange(long n, long minPerThread, long align, RangeJob job) {
        int parts = rangeParts(n, minPerThread);
        try {
            if (parts <= 1) {
                job.run(0, n);
            } else {
                job.n = n;
                job.units = (n + align - 1) / align;
                job.align = align;
                run(parts, (Block) job);
            }
        } finally {
            job.release();
        }
    }

    private static int rangeParts(long n, long minPerThread) {
        return (int) Math.min(threads, n / Math.max(1, minPerThread));
    }

    /** A block of work: runs block {@code index} of {@code count}. */
    @FunctionalInterface
    public interface Block {
        void run(int index, int count);
    }

    /**
     * A parallel call's arguments as fields of an object reused from call to call, in place of a
     * lambda that captures them: a capturing lambda is a new object at every call, and a training
     * step makes dozens of parallel calls. A kernel keeps one job per calling thread in a
     * {@link PerThread}, fills in its fields, and hands it to {@link #run(int, Job)} (or a
     * {@link RangeJob} to {@link #forRange(long, long, long, RangeJob)}),
     * which releases it when the call is over.
     */
    public abstract static class Job implements Block {

        private boolean claimed;

        /**
         * Drops what the job refers to (segments, geometries, arrays) once its call is over, so a
         * thread's idle job keeps no memory reachable.
         */
        protected abstract void clear();

        final void release() {
            clear();
            claimed = false;
        }
    }

    /** A {@link Job} over ranges of {@code [0, n)}, split as {@link #forRange} splits them. */
    public abstract static class RangeJob extends Job implements Range {

        private long n;
        private long units;
        private long align;

        @Override
        public final void run(int index, int count) {
            long from = Math.min(n, units * index / count * align);
            long to = Math.min(n, units * (index + 1) / count * align);
            if (from < to) {
                run(from, to);
            }
        }
    }

    /** One reusable job of a kind for each thread that makes such calls. */
    public static final class PerThread<J extends Job> {

        private final java.util.function.Supplier<J> factory;
        private final ThreadLocal<J> jobs;

        public PerThread(java.util.function.Supplier<J> factory) {
            this.factory = factory;
            this.jobs = ThreadLocal.withInitial(factory);
        }

        /**
         * The calling thread's job, to fill in and run; a fresh one if that job is already in a
         * call on this thread (a kernel called from inside one of its own blocks).
         */
        public J claim() {
            J job = jobs.get();
            if (((Job) job).claimed) {
                job = factory.get();
            }
            ((Job) job).claimed = true;
            return job;
        }
    }

    private static final int MAX_THREADS = Math.max(1, Integer.getInteger("panamax.threads",
            Runtime.getRuntime().availableProcessors()));

    /**
     * How long an idle worker spins, watching for the next job, before it parks: a training step
     * forks many short kernels, and waking a parked thread costs tens of microseconds. Longer
     * spins measured worse on these 2-core VMs (a LeNet step on 2 threads: 6.1 ms at 20 µs, 6.3 ms
     * at 0, 9.9 ms at 1 ms): a spinning worker slows the thread doing the serial work beside it.
     */
    private static final long SPIN_NANOS = Long.getLong("panamax.spinMicros", 20) * 1000;

    private static final Team TEAM = MAX_THREADS > 1 ? new Team(MAX_THREADS - 1) : null;

    private static volatile int threads = MAX_THREADS;

    private WorkerPool() {
    }

    /** Threads a parallel kernel may use (at least 1). */
    public static int threads() {
        return threads;
    }

    /**
     * Threads a kernel called here may use: {@link #threads()}, or 1 inside a job's block (a
     * per-image convolution block calling a GEMM), where a job would run its parts one after the
     * other on this thread. A kernel that splits its work by this count then takes its one-thread
     * path instead of running a split meant for several threads in pieces.
     */
    public static int threadsHere() {
        return TEAM != null && TEAM.runsHere() ? 1 : threads;
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
            if (!shareable(s)) {
                return false;
            }
        }
        return true;
    }

    /** {@link #shareable(MemorySegment...)} of one segment (null: absent, so shareable), without an array. */
    public static boolean shareable(MemorySegment segment) {
        return segment == null || segment.isAccessibleBy(SOME_WORKER);
    }

    // Fixed arities, so that a kernel's check makes no varargs array (batch-1 inference on two
    // threads allocated one per convolution call).

    /** {@link #shareable(MemorySegment...)} of two segments, without an array. */
    public static boolean shareable(MemorySegment a, MemorySegment b) {
        return shareable(a) && shareable(b);
    }

    /** {@link #shareable(MemorySegment...)} of three segments, without an array. */
    public static boolean shareable(MemorySegment a, MemorySegment b, MemorySegment c) {
        return shareable(a) && shareable(b) && shareable(c);
    }

    /** {@link #shareable(MemorySegment...)} of four segments, without an array. */
    public static boolean shareable(MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d) {
        return shareable(a) && shareable(b) && shareable(c) && shareable(d);
    }

    /**
     * Runs {@code count} blocks, block 0 on the calling thread and the rest on workers, and
     * returns when all are done. With one block (or one thread) nothing is forked; a call made
     * while the workers are busy (from a worker, or from a second thread) runs its blocks inline.
     *
     * <p>Failures: whatever a block throws, {@code Error}s included, is caught where it happens;
     * the call still waits for every block (no worker may go on writing after it returns), then
     * rethrows the first failure with the others attached as suppressed. The workers survive it,
     * and the pool serves the next call as before. The caller's interrupt status is left as it
     * was: a running kernel is not abandoned halfway (its workers write into the caller's memory).
     */
    public static void run(int count, Block block) {
        // a job started from inside a job (a GEMM inside a per-image block) runs inline: the lock
        // is reentrant, so the thread that holds it must not take the team a second time
        if (count <= 1 || TEAM == null || threads == 1 || TEAM.lock.isHeldByCurrentThread() || !TEAM.lock.tryLock()) {
            for (int i = 0; i < count; i++) {
                block.run(i, count);
            }
            return;
        }
        try {
            TEAM.run(Math.min(count, TEAM.size() + 1), count, block);
        } finally {
            TEAM.lock.unlock();
        }
    }

    /** {@link #run(int, Block)} for a reusable job, released (and cleared) when this returns. */
    public static void run(int count, Job job) {
        try {
            run(count, (Block) job);
        } finally {
            job.release();
        }
    }

    /** A thread of the pool, which runs nothing but the blocks of jobs. */
    private static final class WorkerThread extends Thread {
        WorkerThread(Runnable work, String name) {
            super(work, name);
        }
    }

    /** The worker threads and the job they are given. */
    private static final class Team {

        final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        private final Thread[] workers;
        private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
        /** What each worker's block threw in the current job (slot i for worker i + 1), read after all are done. */
        private final Throwable[] failures;
        private final boolean[] parked;
        private volatile long epoch;
        private Block block;
        private int count;
        private int running;

        /** Whether the calling thread is running a block of a job: the caller, holding the lock, or a worker. */
        boolean runsHere() {
            return Thread.currentThread() instanceof WorkerThread || lock.isHeldByCurrentThread();
        }

        Team(int size) {
            workers = new Thread[size];
            parked = new boolean[size];
            failures = new Throwable[size];
            for (int i = 0; i < size; i++) {
                int index = i + 1;
                Thread t = new WorkerThread(() -> work(index), "panamax-worker-" + index);
                t.setDaemon(true);
                workers[i] = t;
                t.start();
            }
        }

        int size() {
            return workers.length;
        }

        /**
         * Blocks {@code 1 .. running-1} go to workers, block 0 and any blocks past the team's size
         * run here; returns when all are done.
         */
        void run(int running, int count, Block block) {
            this.block = block;
            this.count = count;
            this.running = running;
            java.util.Arrays.fill(failures, null);
            pending.set(running - 1);
            epoch = epoch + 1;                                   // publishes the job (volatile write)
            for (int i = 0; i < running - 1; i++) {
                synchronized (parked) {
                    if (parked[i]) {
                        java.util.concurrent.locks.LockSupport.unpark(workers[i]);
                    }
                }
            }
            Throwable first = null;
            try {
                block.run(0, count);
                for (int i = running; i < count; i++) {
                    block.run(i, count);
                }
            } catch (Throwable e) {
                first = e;
            }
            while (pending.get() > 0) {
                Thread.onSpinWait();
            }
            this.block = null;
            for (int i = 0; i < running - 1; i++) {
                Throwable t = failures[i];
                if (t != null && t != first) {
                    if (first == null) {
                        first = t;
                    } else {
                        first.addSuppressed(t);
                    }
                }
                failures[i] = null;
            }
            if (first instanceof RuntimeException r) {
                throw r;
            }
            if (first instanceof Error e) {
                throw e;
            }
            if (first != null) {
                throw new IllegalStateException("a parallel block failed", first);
            }
        }

        private void work(int index) {
            long seen = 0;
            while (true) {
                long start = System.nanoTime();
                while (epoch == seen) {
                    if (System.nanoTime() - start > SPIN_NANOS) {
                        synchronized (parked) {
                            parked[index - 1] = true;
                        }
                        if (epoch == seen) {
                            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
                            Thread.interrupted();           // an interrupt would make every later park return at once
                        }
                        synchronized (parked) {
                            parked[index - 1] = false;
                        }
                        start = System.nanoTime();
                    } else {
                        Thread.onSpinWait();
                    }
                }
                seen = epoch;
                if (index < running) {
                    try {
                        block.run(index, count);
                    } catch (Throwable e) {
                        failures[index - 1] = e;            // an Error too: the worker must live on
                    } finally {
                        pending.decrementAndGet();
                    }
                }
                Thread.interrupted();                       // a worker serves every job; an interrupt ends none
            }
        }
    }
}
