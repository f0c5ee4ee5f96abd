package dev.panamax.bindings.mpi;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The MPI functions whose signatures are the same in every MPI ABI (no communicator, datatype or
 * operation handle among their arguments), in the shape jextract generates from
 * {@code native/mpi/openmpi_subset.h} and {@code native/mpi/mpich_subset.h}: one holder class per
 * function, resolved on first use, against the library {@link MpiLibrary} finds. The functions
 * taking handles are in {@link OpenMpi} and {@link Mpich}. No logic and no validation: callers
 * check every argument first.
 */
public final class Mpi {

    private Mpi() {
    }

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private static final int MPI_SUCCESS = 0;
    private static final int MPI_THREAD_SINGLE = 0;
    private static final int MPI_THREAD_FUNNELED = 1;
    private static final int MPI_THREAD_SERIALIZED = 2;
    private static final int MPI_THREAD_MULTIPLE = 3;

    /** {@code #define MPI_SUCCESS 0}. */
    public static int MPI_SUCCESS() {
        return MPI_SUCCESS;
    }

    /** {@code MPI_THREAD_SINGLE = 0}. */
    public static int MPI_THREAD_SINGLE() {
        return MPI_THREAD_SINGLE;
    }

    /** {@code MPI_THREAD_FUNNELED = 1}. */
    public static int MPI_THREAD_FUNNELED() {
        return MPI_THREAD_FUNNELED;
    }

    /** {@code MPI_THREAD_SERIALIZED = 2}. */
    public static int MPI_THREAD_SERIALIZED() {
        return MPI_THREAD_SERIALIZED;
    }

    /** {@code MPI_THREAD_MULTIPLE = 3}. */
    public static int MPI_THREAD_MULTIPLE() {
        return MPI_THREAD_MULTIPLE;
    }

    private static final class MPI_Init_thread {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Init_thread", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
     * }
     */
    public static int MPI_Init_thread(MemorySegment argc, MemorySegment argv, int required, MemorySegment provided) {
        try {
            return (int) MPI_Init_thread.HANDLE.invokeExact(argc, argv, required, provided);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Initialized {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Initialized", FunctionDescriptor.of(C_INT, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Initialized(int *flag)
     * }
     */
    public static int MPI_Initialized(MemorySegment flag) {
        try {
            return (int) MPI_Initialized.HANDLE.invokeExact(flag);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Finalize {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Finalize", FunctionDescriptor.of(C_INT));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Finalize(void)
     * }
     */
    public static int MPI_Finalize() {
        try {
            return (int) MPI_Finalize.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Wait {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Wait", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Wait(MPI_Request *request, MPI_Status *status)
     * }
     */
    public static int MPI_Wait(MemorySegment request, MemorySegment status) {
        try {
            return (int) MPI_Wait.HANDLE.invokeExact(request, status);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Test {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Test", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Test(MPI_Request *request, int *flag, MPI_Status *status)
     * }
     */
    public static int MPI_Test(MemorySegment request, MemorySegment flag, MemorySegment status) {
        try {
            return (int) MPI_Test.HANDLE.invokeExact(request, flag, status);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Error_string {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Error_string", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Error_string(int errorcode, char *string, int *resultlen)
     * }
     */
    public static int MPI_Error_string(int errorcode, MemorySegment string, MemorySegment resultlen) {
        try {
            return (int) MPI_Error_string.HANDLE.invokeExact(errorcode, string, resultlen);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }

    private static final class MPI_Get_library_version {
        static final MethodHandle HANDLE = MpiLibrary.downcall("MPI_Get_library_version", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * int MPI_Get_library_version(char *version, int *resultlen)
     * }
     */
    public static int MPI_Get_library_version(MemorySegment version, MemorySegment resultlen) {
        try {
            return (int) MPI_Get_library_version.HANDLE.invokeExact(version, resultlen);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw MpiLibrary.unreachable(t);
        }
    }
}
