package dev.panamax.bindings.mpi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Open MPI's handle-taking functions and predefined handles, in the shape jextract generates from
 * {@code native/mpi/openmpi_subset.h}: handles ({@code MPI_Comm}, {@code MPI_Datatype},
 * {@code MPI_Op}) are pointers, and the predefined ones are the addresses of objects the library
 * exports ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world}). Use only when
 * {@link MpiLibrary#abi()} is {@code OPEN_MPI}. No logic and no validation.
 */
public final class OpenMpi {

    private OpenMpi() {
    }

    private static final ValueLayout.OfInt C_INT = Mpi.C_INT;
    private static final java.lang.foreign.AddressLayout C_POINTER = Mpi.C_POINTER;

    private static final int MPI_MAX_ERROR_STRING = 256;
    private static final int MPI_MAX_LIBRARY_VERSION_STRING = 256;

    /** {@code #define MPI_MAX_ERROR_STRING 256}. */
    public static int MPI_MAX_ERROR_STRING() {
        return MPI_MAX_ERROR_STRING;
    }

    /** {@code #define MPI_MAX_LIBRARY_VERSION_STRING 256}. */
    public static int MPI_MAX_LIBRARY_VERSION_STRING() {
        return MPI_MAX_LIBRARY_VERSION_STRING;
    }

    /** {@code #define MPI_IN_PLACE ((void *) 1)}. */
    public static MemorySegment MPI_IN_PLACE() {
        return MemorySegment.ofAddress(1L);
    }

    /** {@code #define MPI_STATUS_IGNORE ((MPI_Status *) 0)}. */
    public static MemorySegment MPI_STATUS_IGNORE() {
        return MemorySegment.NULL;
    }

    /** {@code MPI_COMM_WORLD}: {@code &ompi_mpi_comm_world}. */
    public static MemorySegment ompi_mpi_comm_world() {
        return MpiLibrary.symbol("ompi_mpi_comm_world");
    }

    /** {@code MPI_FLOAT}: {@code &ompi_mpi_float}. */
    public static MemorySegment ompi_mpi_float() {
        return MpiLibrary.symbol("ompi_mpi_float");
    }

    /** {@code MPI_DOUBLE}: {@code &ompi_mpi_double}. */
    public static MemorySegment ompi_mpi_double() {
        return MpiLibrary.symbol("ompi_mpi_double");
    }

    /** {@code MPI_SUM}: {@code &ompi_mpi_op_sum}. */
    public static MemorySegment ompi_mpi_op_sum() {
        return MpiLibrary.symbol("ompi_mpi_op_sum");
    }

    private static final class MPI_Comm_rank {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Comm_rank", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Comm_rank(MPI_Comm comm, int *rank)
     * }
     */
    public static int MPI_Comm_rank(MemorySegment comm, MemorySegment rank) {
        try {
            return (int) MPI_Comm_rank.HANDLE.invokeExact(comm, rank);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Comm_size {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Comm_size", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Comm_size(MPI_Comm comm, int *size)
     * }
     */
    public static int MPI_Comm_size(MemorySegment comm, MemorySegment size) {
        try {
            return (int) MPI_Comm_size.HANDLE.invokeExact(comm, size);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Allreduce {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Allreduce", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
     * }
     */
    public static int MPI_Allreduce(MemorySegment sendbuf, MemorySegment recvbuf, int count, MemorySegment datatype, MemorySegment op, MemorySegment comm) {
        try {
            return (int) MPI_Allreduce.HANDLE.invokeExact(sendbuf, recvbuf, count, datatype, op, comm);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Iallreduce {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Iallreduce", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
     *                    MPI_Request *request)
     * }
     */
    public static int MPI_Iallreduce(MemorySegment sendbuf, MemorySegment recvbuf, int count, MemorySegment datatype, MemorySegment op, MemorySegment comm, MemorySegment request) {
        try {
            return (int) MPI_Iallreduce.HANDLE.invokeExact(sendbuf, recvbuf, count, datatype, op, comm, request);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Bcast {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Bcast", FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_INT, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
     * }
     */
    public static int MPI_Bcast(MemorySegment buffer, int count, MemorySegment datatype, int root, MemorySegment comm) {
        try {
            return (int) MPI_Bcast.HANDLE.invokeExact(buffer, count, datatype, root, comm);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Barrier {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Barrier", FunctionDescriptor.of(C_INT, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Barrier(MPI_Comm comm)
     * }
     */
    public static int MPI_Barrier(MemorySegment comm) {
        try {
            return (int) MPI_Barrier.HANDLE.invokeExact(comm);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Abort {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Abort", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Abort(MPI_Comm comm, int errorcode)
     * }
     */
    public static int MPI_Abort(MemorySegment comm, int errorcode) {
        try {
            return (int) MPI_Abort.HANDLE.invokeExact(comm, errorcode);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }
}
