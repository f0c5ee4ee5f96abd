package dev.panamax.bindings.mpi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * MPICH's handle-taking functions and predefined handles, in the shape jextract generates from
 * {@code native/mpi/mpich_subset.h}: handles ({@code MPI_Comm}, {@code MPI_Datatype},
 * {@code MPI_Op}) are {@code int}s, the predefined ones constants of the ABI that MPICH, Intel MPI
 * and MVAPICH share. Use only when {@link MpiLibrary#abi()} is {@code MPICH}. No logic and no
 * validation.
 */
public final class Mpich {

    private Mpich() {
    }

    private static final ValueLayout.OfInt C_INT = Mpi.C_INT;
    private static final java.lang.foreign.AddressLayout C_POINTER = Mpi.C_POINTER;

    private static final int MPI_COMM_WORLD = 0x44000000;
    private static final int MPI_FLOAT = 0x4c00040a;
    private static final int MPI_DOUBLE = 0x4c00080b;
    private static final int MPI_SUM = 0x58000003;
    private static final int MPI_MAX_ERROR_STRING = 512;
    private static final int MPI_MAX_LIBRARY_VERSION_STRING = 8192;

    /** {@code #define MPI_COMM_WORLD ((MPI_Comm) 0x44000000)}. */
    public static int MPI_COMM_WORLD() {
        return MPI_COMM_WORLD;
    }

    /** {@code #define MPI_FLOAT ((MPI_Datatype) 0x4c00040a)}. */
    public static int MPI_FLOAT() {
        return MPI_FLOAT;
    }

    /** {@code #define MPI_DOUBLE ((MPI_Datatype) 0x4c00080b)}. */
    public static int MPI_DOUBLE() {
        return MPI_DOUBLE;
    }

    /** {@code #define MPI_SUM ((MPI_Op) 0x58000003)}. */
    public static int MPI_SUM() {
        return MPI_SUM;
    }

    /** {@code #define MPI_MAX_ERROR_STRING 512}. */
    public static int MPI_MAX_ERROR_STRING() {
        return MPI_MAX_ERROR_STRING;
    }

    /** {@code #define MPI_MAX_LIBRARY_VERSION_STRING 8192}. */
    public static int MPI_MAX_LIBRARY_VERSION_STRING() {
        return MPI_MAX_LIBRARY_VERSION_STRING;
    }

    /** {@code #define MPI_IN_PLACE ((void *) -1)}. */
    public static MemorySegment MPI_IN_PLACE() {
        return MemorySegment.ofAddress(-1L);
    }

    /** {@code #define MPI_STATUS_IGNORE ((MPI_Status *) 1)}. */
    public static MemorySegment MPI_STATUS_IGNORE() {
        return MemorySegment.ofAddress(1L);
    }

    private static final class MPI_Comm_rank {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Comm_rank", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Comm_rank(MPI_Comm comm, int *rank)
     * }
     */
    public static int MPI_Comm_rank(int comm, MemorySegment rank) {
        try {
            return (int) MPI_Comm_rank.HANDLE.invokeExact(comm, rank);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Comm_size {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Comm_size", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Comm_size(MPI_Comm comm, int *size)
     * }
     */
    public static int MPI_Comm_size(int comm, MemorySegment size) {
        try {
            return (int) MPI_Comm_size.HANDLE.invokeExact(comm, size);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Allreduce {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Allreduce", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_INT, C_INT, C_INT));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
     * }
     */
    public static int MPI_Allreduce(MemorySegment sendbuf, MemorySegment recvbuf, int count, int datatype, int op, int comm) {
        try {
            return (int) MPI_Allreduce.HANDLE.invokeExact(sendbuf, recvbuf, count, datatype, op, comm);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Iallreduce {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Iallreduce", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_INT, C_INT, C_INT, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
     *                    MPI_Request *request)
     * }
     */
    public static int MPI_Iallreduce(MemorySegment sendbuf, MemorySegment recvbuf, int count, int datatype, int op, int comm, MemorySegment request) {
        try {
            return (int) MPI_Iallreduce.HANDLE.invokeExact(sendbuf, recvbuf, count, datatype, op, comm, request);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Bcast {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Bcast", FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_INT, C_INT));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
     * }
     */
    public static int MPI_Bcast(MemorySegment buffer, int count, int datatype, int root, int comm) {
        try {
            return (int) MPI_Bcast.HANDLE.invokeExact(buffer, count, datatype, root, comm);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Barrier {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Barrier", FunctionDescriptor.of(C_INT, C_INT));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Barrier(MPI_Comm comm)
     * }
     */
    public static int MPI_Barrier(int comm) {
        try {
            return (int) MPI_Barrier.HANDLE.invokeExact(comm);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Abort {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Abort", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Abort(MPI_Comm comm, int errorcode)
     * }
     */
    public static int MPI_Abort(int comm, int errorcode) {
        try {
            return (int) MPI_Abort.HANDLE.invokeExact(comm, errorcode);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }
}
