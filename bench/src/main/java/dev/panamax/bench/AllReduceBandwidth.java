package dev.panamax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.bindings.mpi.Mpi;
import dev.panamax.bindings.mpi.Mpich;
import dev.panamax.bindings.mpi.MpiLibrary;
import dev.panamax.bindings.mpi.OpenMpi;
import dev.panamax.nn.distributed.Communicator;

/**
 * All-reduce bandwidth, the loop of {@code native/mpi/allreduce_bandwidth.c} in Java, run by
 * {@code bench/mpi/run.sh} under {@code mpirun} beside the C one: in place, float sums, the same
 * sizes, iterations and output ({@code bytes iterations µs-per-all-reduce MB/s}, rank 0's time).
 * Not JMH: every rank must run the same loop in step, which a JMH fork per benchmark does not do.
 *
 * <p>{@code bindings}: {@code MPI_Allreduce} through the FFM bindings from this thread, as the C
 * loop calls it. {@code communicator}: through {@link Communicator#allReduceSum}, which hands
 * each call to the communication thread and waits (what training pays per blocking call).
 * {@code async}: {@link Communicator#allReduceSumAsync} then {@code await()}, the gradient
 * buckets' path. {@code nonblocking}: {@code MPI_Iallreduce} then {@code MPI_Wait} through the
 * bindings, the non-blocking path the communicator does not take (its figures say why).
 */
public final class AllReduceBandwidth {

    private AllReduceBandwidth() {
    }

    /** {@code bindings}, {@code nonblocking}, {@code communicator} or {@code async}. */
    public static void main(String[] args) {
        String mode = args.length == 0 ? "bindings" : args[0];
        boolean bindings = mode.equals("bindings") || mode.equals("nonblocking");
        long maxBytes = 16L << 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(maxBytes, 64);
            for (long i = 0; i < maxBytes / 4; i++) {
                buf.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
            }
            Communicator comm = bindings ? null : Communicator.mpi();
            boolean async = mode.equals("async");
            int rank;
            Direct direct = null;
            if (bindings) {
                MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
                Mpi.MPI_Init_thread(MemorySegment.NULL, MemorySegment.NULL, Mpi.MPI_THREAD_SINGLE(), out);
                direct = new Direct(MpiLibrary.abi() == MpiLibrary.Abi.OPEN_MPI, mode.equals("nonblocking"),
                        arena.allocate(8, 8));
                rank = direct.rank(out);
            } else {
                rank = comm.rank();
            }
            for (int pass = 0; pass < 2; pass++) {        // pass 0 warms up: the JIT compiles the loop there
                for (long bytes = 4096; bytes <= maxBytes; bytes *= 4) {
                    int iterations = bytes >= (1L << 20) ? 200 : 2000;
                    double us = microsecondsPerCall(direct, comm, async, buf, (int) (bytes / 4), iterations);
                    if (rank == 0 && pass == 1) {
                        System.out.printf("%d %d %.2f %.1f%n", bytes, iterations, us, bytes / us);
                    }
                }
            }
            if (bindings) {
                Mpi.MPI_Finalize();
            } else {
                comm.close();
            }
        }
    }

    private static double microsecondsPerCall(Direct direct, Communicator comm, boolean async, MemorySegment buf, int count,
                                              int iterations) {
        for (int i = 0; i < iterations / 10; i++) {
            reduce(direct, comm, async, buf, count);
        }
        barrier(direct, comm);
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            reduce(direct, comm, async, buf, count);
        }
        return (System.nanoTime() - t0) / 1e3 / iterations;
    }

    private static void reduce(Direct direct, Communicator comm, boolean async, MemorySegment buf, int count) {
        if (direct != null) {
            direct.allReduce(buf, count);
        } else if (async) {
            comm.allReduceSumAsync(buf, 0, count).await();
        } else {
            comm.allReduceSum(buf, 0, count);
        }
    }

    private static void barrier(Direct direct, Communicator comm) {
        if (direct != null) {
            direct.barrier();
        } else {
            comm.barrier();
        }
    }

    /** The bindings called directly, in the ABI of the library found. */
    private record Direct(boolean openMpi, boolean nonblocking, MemorySegment request) {

        int rank(MemorySegment out) {
            int rc = openMpi ? OpenMpi.MPI_Comm_rank(OpenMpi.ompi_mpi_comm_world(), out)
                    : Mpich.MPI_Comm_rank(Mpich.MPI_COMM_WORLD(), out);
            check(rc);
            return out.get(ValueLayout.JAVA_INT, 0);
        }

        void allReduce(MemorySegment buf, int count) {
            if (nonblocking) {
                check(openMpi
                        ? OpenMpi.MPI_Iallreduce(OpenMpi.MPI_IN_PLACE(), buf, count, OpenMpiHandles.FLOAT, OpenMpiHandles.SUM,
                        OpenMpiHandles.COMM, request)
                        : Mpich.MPI_Iallreduce(Mpich.MPI_IN_PLACE(), buf, count, Mpich.MPI_FLOAT(), Mpich.MPI_SUM(),
                        Mpich.MPI_COMM_WORLD(), request));
                check(Mpi.MPI_Wait(request, openMpi ? OpenMpi.MPI_STATUS_IGNORE() : Mpich.MPI_STATUS_IGNORE()));
                return;
            }
            check(openMpi
                    ? OpenMpi.MPI_Allreduce(OpenMpi.MPI_IN_PLACE(), buf, count, OpenMpiHandles.FLOAT, OpenMpiHandles.SUM, OpenMpiHandles.COMM)
                    : Mpich.MPI_Allreduce(Mpich.MPI_IN_PLACE(), buf, count, Mpich.MPI_FLOAT(), Mpich.MPI_SUM(),
                    Mpich.MPI_COMM_WORLD()));
        }

        void barrier() {
            check(openMpi ? OpenMpi.MPI_Barrier(OpenMpiHandles.COMM) : Mpich.MPI_Barrier(Mpich.MPI_COMM_WORLD()));
        }

        private static void check(int rc) {
            if (rc != 0) {
                throw new IllegalStateException("MPI error " + rc);
            }
        }
    }

    /** Open MPI's handles, looked up once (each lookup is a symbol search). */
    private static final class OpenMpiHandles {
        static final MemorySegment COMM = OpenMpi.ompi_mpi_comm_world();
        static final MemorySegment FLOAT = OpenMpi.ompi_mpi_float();
        static final MemorySegment SUM = OpenMpi.ompi_mpi_op_sum();
    }
}
