package dev.panamax.nn.distributed;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;

/**
 * The processes of a data-parallel job and the collective operations between them, as
 * {@code torch.distributed}'s process group: every process (a <em>rank</em>, {@code 0} to
 * {@code size() - 1}) calls the same collectives in the same order. {@link #single()} is a job of
 * one process, where every collective is the identity; {@link #mpi()} is the job {@code mpirun}
 * started, over MPI through FFM. Code written against this interface trains the same way in both.
 *
 * <p>Buffers are float32 elements of native segments: {@code offset} and {@code count} are in
 * elements, validated before any native call. MPI is called from a communication thread of its
 * own, so buffers come from shared, automatic or global arenas (a confined arena's memory is
 * refused). A communicator is used by one training thread; its operations are ordered as that
 * thread issues them.
 */
public interface Communicator extends AutoCloseable {

    /** This process's rank, in {@code [0, size())}. */
    int rank();

    /** The number of processes in the job. */
    int size();

    /**
     * The number of processes of this job on this machine ({@code mpirun}'s local size), so that
     * each can take its share of the cores; 1 for a single process.
     */
    int localSize();

    /** What this is, for reports: "Open MPI v4.1.4, rank 0 of 2", "single process". */
    String describe();

    /** Replaces {@code count} floats at {@code offset} by their sum over all ranks, and returns when done. */
    void allReduceSum(MemorySegment buffer, long offset, long count);

    /** Replaces each value by its sum over all ranks (metrics, statistics: a few values). */
    void allReduceSum(double[] values);

    /**
     * Starts replacing {@code count} floats at {@code offset} by their sum over all ranks and
     * returns at once; the buffer must not be read or written until {@link Reduction#await()} returns.
     */
    Reduction allReduceSumAsync(MemorySegment buffer, long offset, long count);

    /** Copies {@code count} floats at {@code offset} from rank {@code root} to every other rank. */
    void broadcast(MemorySegment buffer, long offset, long count, int root);

    /** Returns when every rank has called it. */
    void barrier();

    /**
     * Ends the whole job because this rank failed: prints {@code "rank R of N failed: reason"}
     * and makes every rank exit with a non-zero status (MPI's {@code MPI_Abort}), so that no
     * rank waits forever in a collective the failed one will never join. Does not return.
     */
    void abort(String reason);

    /** Leaves the job (MPI's {@code MPI_Finalize}); every rank must call it. */
    @Override
    void close();

    /** An all-reduce in flight. */
    interface Reduction {

        /** Returns when the reduction is complete. */
        void await();

        /** Nanoseconds from the start of the reduction to its completion (0 until complete). */
        long nanos();
    }

    /** A job of one process. */
    static Communicator single() {
        return SingleProcess.INSTANCE;
    }

    /**
     * Joins the MPI job this process was started in (or a job of one when started without
     * {@code mpirun}), initialising MPI on a communication thread of its own.
     *
     * @throws IllegalStateException when no MPI library is installed, with what to install
     */
    static Communicator mpi() {
        return MpiCommunicator.start();
    }

    /**
     * {@link #mpi()} when this process was started by {@code mpirun} (Open MPI, MPICH or a
     * PMIx launcher set their variables in the environment), {@link #single()} otherwise.
     */
    static Communicator fromEnvironment() {
        return launchedByMpirun() ? mpi() : single();
    }

    /** Whether {@code mpirun} (or another MPI launcher) started this process. */
    static boolean launchedByMpirun() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") != null || System.getenv("PMI_SIZE") != null
                || System.getenv("PMIX_RANK") != null;
    }

    /** Checks a float buffer argument: native memory, in bounds, with an MPI count (an int). */
    static void checkBuffer(MemorySegment buffer, long offset, long count) {
        Checks.floats("buffer", buffer, offset, count);
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("buffer must be native memory (MPI reads it by address), got a heap segment");
        }
    }
}
