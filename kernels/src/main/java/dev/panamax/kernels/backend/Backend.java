package dev.panamax.kernels.backend;

import java.util.Locale;

import dev.panamax.bindings.openblas.Cblas;
import dev.panamax.bindings.openblas.OpenBlasLibrary;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Where an operation runs. {@link #JAVA} is always there; {@link #BLAS} when
 * {@link OpenBlasLibrary} found a CBLAS library. The global choice is
 * {@code -Dpanamax.backend=java|blas|auto} (auto, the default, lets each operation's measured
 * policy decide); every dispatching entry point also takes a backend per call.
 */
public enum Backend {
    /** The Vector API kernels. */
    JAVA,
    /** The CBLAS library found at run time. */
    BLAS,
    /** Each operation's measured default. */
    AUTO;

    private static final Backend DEFAULT = parse(System.getProperty("panamax.backend", "auto"));

    /** The global choice. */
    public static Backend configured() {
        return DEFAULT;
    }

    /** Whether a CBLAS library is loaded (and set to use Panamax's thread count). */
    public static boolean blasAvailable() {
        return BlasState.AVAILABLE;
    }

    /** Fails clearly when BLAS is asked for but absent. */
    public static void requireBlas() {
        if (!blasAvailable()) {
            throw new IllegalStateException("backend BLAS was requested but no CBLAS library was found "
                    + "(set -Dpanamax.blas=/path/to/libopenblas.so, or PANAMAX_BLAS)");
        }
    }

    /** Sets the threads the BLAS library uses (OpenBLAS only; other libraries keep their own). */
    public static void setBlasThreads(int threads) {
        if (blasAvailable() && BlasState.OPENBLAS) {
            Cblas.openblas_set_num_threads(threads);
        }
    }

    static Backend parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "java" -> JAVA;
            case "blas" -> BLAS;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("panamax.backend must be java, blas or auto, got " + value);
        };
    }

    private static final class BlasState {
        static final boolean AVAILABLE;
        static final boolean OPENBLAS;

        static {
            boolean available = OpenBlasLibrary.find().isPresent();
            boolean openblas = available && OpenBlasLibrary.find().get().lookup().find("openblas_set_num_threads").isPresent();
            if (openblas) {
                Cblas.openblas_set_num_threads(WorkerPool.threads());
            }
            AVAILABLE = available;
            OPENBLAS = openblas;
        }
    }
}
