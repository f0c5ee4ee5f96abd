package dev.panamax.nn.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

import dev.panamax.bindings.mpi.Mpi;

/**
 * MPI_COMM_WORLD through FFM. Every MPI call is made by one communication thread of this
 * class, which initialised MPI: the training thread hands it work and goes on. That is how an
 * all-reduce of gradients overlaps the rest of backward (PyTorch's DDP does the same with its
 * MPI backend): the thread runs each bucket's {@code MPI_Allreduce} as it arrives while the
 * training thread computes the next layers' gradients. Operations run one at a time in the order
 * the training thread issued them, so every rank sees the same order of collectives.
 *
 * <p>Why blocking calls on a thread rather than {@code MPI_Iallreduce} driven by {@code MPI_Test}:
 * measured with {@code bench/mpi/run.sh} (Open MPI 4.1, 2 processes on 2 cores), Open MPI's
 * non-blocking all-reduce took 250 µs for 4 KB when the thread parked between tests, and any
 * spinning instead took the cores from the computation (a LeNet-5 step went from 3.6 to 13.5 ms);
 * its blocking all-reduce takes 11 µs for 4 KB and 120 µs for 1 MB, the C figures.
 *
 * <p>{@code MPI_THREAD_MULTIPLE} is requested only so that {@link #abort} may call
 * {@code MPI_Abort} from the failing thread while the communication thread is blocked in a
 * collective; where the library does not provide it, abort halts the process, which
 * {@code mpirun} also turns into the end of the job.
 */
final class MpiCommunicator implements Communicator {

    /** Tests of a reduction in flight before the thread starts parking between tests. */
    private static final int SPINS = Integer.getInteger("panamax.mpi.spins", 64);
    /**
     * How long the idle thread watches the queue before it parks: waking a parked thread costs
     * tens of microseconds here, more than a small all-reduce takes.
     */
    private static final long IDLE_SPIN_NANOS = 50_000;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private final MpiCalls calls = MpiCalls.forLibrary();
    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile Throwable died;
    /** Scratch for {@link #allReduceSum(double[])}, touched by the communication thread only. */
    private MemorySegment doubles = MemorySegment.NULL;
    private int rank;
    private int size;
    private int provided;
    private String version;
    private boolean closed;

    private MpiCommunicator() {
        thread = new Thread(this::loop, "panamax-mpi");
        thread.setDaemon(true);
    }

    static MpiCommunicator start() {
        MpiCommunicator c = new MpiCommunicator();          // fails here, clearly, when no MPI is installed
        if (!STARTED.compareAndSet(false, true)) {
            throw new IllegalStateException("MPI is already initialised in this JVM (MPI_Init runs once per process): "
                    + "share the communicator");
        }
        c.thread.start();
        join(c.ready);
        return c;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int localSize() {
        for (String name : new String[] {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMIX_LOCAL_SIZE"}) {
            String v = System.getenv(name);
            if (v != null && v.matches("[0-9]+") && Integer.parseInt(v) > 0) {
                return Integer.parseInt(v);
            }
        }
        return 1;
    }

    @Override
    public String describe() {
        return version + ", rank " + rank + " of " + size;
    }

    @Override
    public void allReduceSum(MemorySegment buffer, long offset, long count) {
        checkBuffer(buffer, offset, count);
        call("MPI_Allreduce", () -> {
            for (long at = 0; at < count; at += Integer.MAX_VALUE) {
                int n = (int) Math.min(Integer.MAX_VALUE, count - at);
                int rc = calls.allReduceFloats(buffer.asSlice((offset + at) * Float.BYTES, (long) n * Float.BYTES), n);
                if (rc != 0) {
                    return rc;
                }
            }
            return 0;
        });
    }

    @Override
    public void allReduceSum(double[] values) {
        call("MPI_Allreduce", () -> {
            // a synchronized batch norm makes three of these per layer and step: one buffer, reused
            if (doubles.byteSize() < (long) values.length * Double.BYTES) {
                doubles = Arena.ofAuto().allocate(ValueLayout.JAVA_DOUBLE, Math.max(values.length, 2 * doubles.byteSize() / Double.BYTES));
            }
            MemorySegment.copy(values, 0, doubles, ValueLayout.JAVA_DOUBLE, 0, values.length);
            int rc = calls.allReduceDoubles(doubles, values.length);
            MemorySegment.copy(doubles, ValueLayout.JAVA_DOUBLE, 0, values, 0, values.length);
            return rc;
        });
    }

    @Override
    public Reduction allReduceSumAsync(MemorySegment buffer, long offset, long count) {
        checkBuffer(buffer, offset, count);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("count must be at most 2^31 - 1 (an MPI count is an int), got " + count);
        }
        AsyncReduce r = new AsyncReduce(buffer.asSlice(offset * Float.BYTES, count * Float.BYTES), (int) count);
        submit(r);
        return r;
    }

    @Override
    public void broadcast(MemorySegment buffer, long offset, long count, int root) {
        checkBuffer(buffer, offset, count);
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("root must be a rank in [0, " + size + "), got " + root);
        }
        call("MPI_Bcast", () -> {
            for (long at = 0; at < count; at += Integer.MAX_VALUE) {
                int n = (int) Math.min(Integer.MAX_VALUE, count - at);
                int rc = calls.broadcastFloats(buffer.asSlice((offset + at) * Float.BYTES, (long) n * Float.BYTES), n, root);
                if (rc != 0) {
                    return rc;
                }
            }
            return 0;
        });
    }

    @Override
    public void barrier() {
        call("MPI_Barrier", calls::barrier);
    }

    @Override
    public void abort(String reason) {
        System.err.println("rank " + rank + " of " + size + " failed: " + reason);
        System.err.flush();
        if (provided == Mpi.MPI_THREAD_MULTIPLE()) {
            calls.abort(1);
        }
        Runtime.getRuntime().halt(1);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        call("MPI_Finalize", Mpi::MPI_Finalize);
    }

    /** {@link Communicator#checkBuffer}, and the communication thread must be able to reach the memory. */
    private void checkBuffer(MemorySegment buffer, long offset, long count) {
        Communicator.checkBuffer(buffer, offset, count);
        if (!buffer.isAccessibleBy(thread)) {
            throw new IllegalArgumentException("buffer must be reachable from the MPI communication thread: allocate it in "
                    + "a shared, automatic or global arena, not a confined one");
        }
    }

    // ---- the communication thread ----

    private void loop() {
        try (Arena arena = Arena.ofConfined()) {
            init(arena);
            while (true) {
                Op op = next();
                op.run();
                if (op.name.equals("MPI_Finalize")) {
                    return;
                }
            }
        } catch (Throwable t) {
            died = t;
            ready.completeExceptionally(t);
            for (Op op; (op = queue.poll()) != null; ) {
                op.done.completeExceptionally(t);
            }
        }
    }

    /** The next operation: watched for a while, then waited for. */
    private Op next() throws InterruptedException {
        long until = System.nanoTime() + IDLE_SPIN_NANOS;
        do {
            Op op = queue.poll();
            if (op != null) {
                return op;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < until);
        return queue.take();
    }

    private void init(Arena arena) {
        MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
        check("MPI_Init_thread", Mpi.MPI_Init_thread(MemorySegment.NULL, MemorySegment.NULL, Mpi.MPI_THREAD_MULTIPLE(), out));
        provided = out.get(ValueLayout.JAVA_INT, 0);
        check("MPI_Comm_rank", calls.rank(out));
        rank = out.get(ValueLayout.JAVA_INT, 0);
        check("MPI_Comm_size", calls.size(out));
        size = out.get(ValueLayout.JAVA_INT, 0);
        MemorySegment text = arena.allocate(calls.maxLibraryVersion());
        check("MPI_Get_library_version", Mpi.MPI_Get_library_version(text, out));
        String full = text.getString(0);
        version = full.lines().findFirst().orElse("MPI").replaceFirst(",.*", "").strip();
        ready.complete(null);
    }

    /** Throws with MPI's own message when {@code rc} is not MPI_SUCCESS (on the communication thread). */
    private Throwable check(String what, int rc) {
        if (rc == Mpi.MPI_SUCCESS()) {
            return null;
        }
        String message = "error " + rc;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(calls.maxErrorString());
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            if (Mpi.MPI_Error_string(rc, text, len) == 0) {
                message = text.getString(0) + " (error " + rc + ")";
            }
        }
        IllegalStateException e = new IllegalStateException(what + " failed on rank " + rank + ": " + message);
        if (!ready.isDone()) {
            throw e;
        }
        return e;
    }

    private void submit(Op op) {
        Throwable t = died;
        if (t != null) {
            throw new IllegalStateException("the MPI communication thread has stopped: " + t, t);
        }
        if (closed && !op.name.equals("MPI_Finalize")) {
            throw new IllegalStateException("the communicator is closed");
        }
        queue.add(op);
    }

    private void call(String name, IntSupplier body) {
        Call c = new Call(name, body);
        submit(c);
        join(c.done);
    }

    private static void join(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** An MPI call made on the communication thread, which completes {@link #done}. */
    private abstract sealed class Op permits Call, AsyncReduce {
        final String name;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** How long the call took, once done. */
        volatile long nanos;

        Op(String name) {
            this.name = name;
        }

        /** The MPI call; returns its error code. */
        abstract int call();

        final void run() {
            long start = System.nanoTime();
            try {
                Throwable t = check(name, call());
                nanos = System.nanoTime() - start;
                if (t == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(t);
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }
    }

    /** A blocking MPI call for a caller that waits for it. */
    private final class Call extends Op {
        final IntSupplier body;

        Call(String name, IntSupplier body) {
            super(name);
            this.body = body;
        }

        @Override
        int call() {
            return body.getAsInt();
        }
    }

    /** An all-reduce in place that the caller awaits later. */
    private final class AsyncReduce extends Op implements Reduction {
        final MemorySegment buffer;
        final int count;

        AsyncReduce(MemorySegment buffer, int count) {
            super("MPI_Allreduce");
            this.buffer = buffer;
            this.count = count;
        }

        @Override
        int call() {
            return calls.allReduceFloats(buffer, count);
        }

        @Override
        public void await() {
            join(done);
        }

        @Override
        public long nanos() {
            return nanos;
        }
    }
}
