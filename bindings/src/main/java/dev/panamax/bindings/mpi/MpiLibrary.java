package dev.panamax.bindings.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

import dev.panamax.bindings.Libc;
import dev.panamax.bindings.NativeLibrary;

/**
 * Finds an MPI library, once per JVM, in this order: an explicit path (system property
 * {@code panamax.mpi}, then environment variable {@code PANAMAX_MPI}), then the system's names:
 * Open MPI's {@code libmpi.so.40}, MPICH's {@code libmpi.so.12} (Debian: {@code libmpich.so.12}),
 * then {@code libmpi.so}.
 * Nothing found is not an error: Panamax then trains in one process.
 *
 * <p>Two ABIs exist and the bindings follow both: Open MPI's handles are addresses of exported
 * objects ({@link OpenMpi}), MPICH's (also Intel MPI's and MVAPICH's) are integers ({@link Mpich}).
 * {@link #abi()} tells which one the library found speaks: it is Open MPI's when the library
 * exports {@code ompi_mpi_comm_world}.
 */
public final class MpiLibrary {

    /** The two MPI application binary interfaces. */
    public enum Abi {
        /** Handles are pointers to exported objects. */
        OPEN_MPI,
        /** Handles are {@code int} constants (MPICH, Intel MPI, MVAPICH). */
        MPICH
    }

    private MpiLibrary() {
    }

    private static final class Holder {
        static final Optional<NativeLibrary> FOUND = search();
    }

    private static Optional<NativeLibrary> search() {
        // UCX (MPICH's transport, and one of Open MPI's) catches SIGSEGV and SIGBUS to print a
        // backtrace and kill the process; the JVM raises SIGSEGV on purpose (implicit null checks),
        // so a JVM running MPICH died at its first one. UCX reads its settings when it is loaded,
        // with the MPI library: an empty signal list, set before, keeps its hands off (unless the
        // user set one).
        try (Arena arena = Arena.ofConfined()) {
            Libc.setenv(arena.allocateFrom("UCX_ERROR_SIGNALS"), arena.allocateFrom(""), 0);
        }
        return NativeLibrary.find("MPI", "panamax.mpi", "PANAMAX_MPI",
                List.of("libmpi.so.40", "libmpi.so.12", "libmpich.so.12", "libmpi.so"));
    }

    /** The MPI library, searched on first call. */
    public static Optional<NativeLibrary> find() {
        return Holder.FOUND;
    }

    /** The ABI of the library found. */
    public static Abi abi() {
        return lookup().find("ompi_mpi_comm_world").isPresent() ? Abi.OPEN_MPI : Abi.MPICH;
    }

    static NativeLibrary library() {
        return find().orElseThrow(() -> new IllegalStateException(
                "no MPI library was found: install Open MPI (Debian: openmpi-bin) or MPICH, or set -Dpanamax.mpi=PATH "
                        + "or PANAMAX_MPI to its libmpi.so"));
    }

    static java.lang.foreign.SymbolLookup lookup() {
        return library().lookup();
    }

    static MemorySegment symbol(String name) {
        return lookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + name));
    }

    static MethodHandle downcall(String name, FunctionDescriptor desc) {
        return Linker.nativeLinker().downcallHandle(symbol(name), desc);
    }

    /** As jextract: errors and runtime exceptions pass, nothing else can come. */
    static AssertionError unreachable(Throwable t) {
        return new AssertionError("should not reach here", t);
    }
}
