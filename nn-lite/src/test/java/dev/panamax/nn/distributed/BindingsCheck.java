package dev.panamax.nn.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.bindings.mpi.Mpi;
import dev.panamax.bindings.mpi.Mpich;
import dev.panamax.bindings.mpi.MpiLibrary;
import dev.panamax.bindings.mpi.OpenMpi;

/**
 * Every MPI binding, called directly (the communicator does not use the non-blocking ones), as
 * one rank of {@code mpirun}: prints {@code "rank R: bindings ok"} or throws.
 */
final class BindingsCheck {

    private BindingsCheck() {
    }

    static void run() {
        boolean open = MpiLibrary.abi() == MpiLibrary.Abi.OPEN_MPI;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check("MPI_Init_thread", Mpi.MPI_Init_thread(MemorySegment.NULL, MemorySegment.NULL, Mpi.MPI_THREAD_SINGLE(), out));
            check("MPI_Initialized", Mpi.MPI_Initialized(out));
            require(out.get(ValueLayout.JAVA_INT, 0) == 1, "MPI_Initialized says 1");
            check("MPI_Comm_rank", open ? OpenMpi.MPI_Comm_rank(OpenMpi.ompi_mpi_comm_world(), out)
                    : Mpich.MPI_Comm_rank(Mpich.MPI_COMM_WORLD(), out));
            int rank = out.get(ValueLayout.JAVA_INT, 0);
            check("MPI_Comm_size", open ? OpenMpi.MPI_Comm_size(OpenMpi.ompi_mpi_comm_world(), out)
                    : Mpich.MPI_Comm_size(Mpich.MPI_COMM_WORLD(), out));
            int size = out.get(ValueLayout.JAVA_INT, 0);
            int n = 1000;
            MemorySegment buf = arena.allocate((long) n * Float.BYTES, 64);
            MemorySegment request = arena.allocate(8, 8);
            MemorySegment status = open ? OpenMpi.MPI_STATUS_IGNORE() : Mpich.MPI_STATUS_IGNORE();

            // non-blocking, completed by MPI_Test: sum over ranks of (rank + 1) * i
            fill(buf, n, rank + 1);
            check("MPI_Iallreduce", iallreduce(open, buf, n, request));
            int tests = 0;
            do {
                check("MPI_Test", Mpi.MPI_Test(request, out, status));
                tests++;
            } while (out.get(ValueLayout.JAVA_INT, 0) == 0);
            requireSums(buf, n, size * (size + 1) / 2f, "MPI_Iallreduce + MPI_Test");

            // non-blocking, completed by MPI_Wait
            fill(buf, n, 1);
            check("MPI_Iallreduce", iallreduce(open, buf, n, request));
            check("MPI_Wait", Mpi.MPI_Wait(request, status));
            requireSums(buf, n, size, "MPI_Iallreduce + MPI_Wait");

            // broadcast from the last rank
            fill(buf, n, rank == size - 1 ? 7 : 0);
            check("MPI_Bcast", open ? OpenMpi.MPI_Bcast(buf, n, OpenMpi.ompi_mpi_float(), size - 1, OpenMpi.ompi_mpi_comm_world())
                    : Mpich.MPI_Bcast(buf, n, Mpich.MPI_FLOAT(), size - 1, Mpich.MPI_COMM_WORLD()));
            requireSums(buf, n, 7, "MPI_Bcast");
            check("MPI_Barrier", open ? OpenMpi.MPI_Barrier(OpenMpi.ompi_mpi_comm_world()) : Mpich.MPI_Barrier(Mpich.MPI_COMM_WORLD()));

            MemorySegment text = arena.allocate(open ? OpenMpi.MPI_MAX_ERROR_STRING() : Mpich.MPI_MAX_ERROR_STRING());
            check("MPI_Error_string", Mpi.MPI_Error_string(1, text, out));
            require(out.get(ValueLayout.JAVA_INT, 0) > 0, "MPI_Error_string gives a message");
            System.out.println("rank " + rank + ": bindings ok (" + tests + " MPI_Test calls; error 1 is \""
                    + text.getString(0) + "\")");
            check("MPI_Finalize", Mpi.MPI_Finalize());
        }
    }

    private static int iallreduce(boolean open, MemorySegment buf, int n, MemorySegment request) {
        return open
                ? OpenMpi.MPI_Iallreduce(OpenMpi.MPI_IN_PLACE(), buf, n, OpenMpi.ompi_mpi_float(), OpenMpi.ompi_mpi_op_sum(),
                OpenMpi.ompi_mpi_comm_world(), request)
                : Mpich.MPI_Iallreduce(Mpich.MPI_IN_PLACE(), buf, n, Mpich.MPI_FLOAT(), Mpich.MPI_SUM(), Mpich.MPI_COMM_WORLD(),
                request);
    }

    private static void fill(MemorySegment buf, int n, float scale) {
        for (int i = 0; i < n; i++) {
            buf.setAtIndex(ValueLayout.JAVA_FLOAT, i, scale * i);
        }
    }

    private static void requireSums(MemorySegment buf, int n, float scale, String what) {
        for (int i = 0; i < n; i++) {
            require(buf.getAtIndex(ValueLayout.JAVA_FLOAT, i) == scale * i, what + ": element " + i + " is "
                    + buf.getAtIndex(ValueLayout.JAVA_FLOAT, i) + ", expected " + scale * i);
        }
    }

    private static void check(String what, int rc) {
        require(rc == 0, what + " returned " + rc);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
