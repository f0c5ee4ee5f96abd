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

    /**
     * OpenBLAS's name for the kernels it runs ({@code openblas_get_corename}: "Haswell",
     * "Cooperlake", ...), or null without OpenBLAS.
     */
    public static String blasCore() {
        return BlasState.CORE;
    }

    /**
     * Whether the BLAS library has kernels of its own for small products, which no Java kernel
     * here matches: OpenBLAS on its AVX-512 cores (SkylakeX, Cooperlake, SapphireRapids), whose
     * small-matrix kernels skip packing. On its other cores it packs even a 2 x 400 operand:
     * Zen 5, microseconds Java / OpenBLAS as Cooperlake / as Haswell ({@code OPENBLAS_CORETYPE}):
     * (2, 120, 400) with B transposed 2.65 / 1.74 / 15.1, (8, 120, 400) 9.7 / 4.1 / 17.8,
     * 32^3 0.45 / - / 0.92, 64^3 3.2 / - / 5.7.
     */
    public static boolean blasHasSmallKernels() {
        String core = BlasState.CORE;
        return core != null && (core.equalsIgnoreCase("SkylakeX") || core.equalsIgnoreCase("Cooperlake")
                || core.equalsIgnoreCase("SapphireRapids"));
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
        static final String CORE;

        static {
            var library = OpenBlasLibrary.find();
            boolean openblas = library.isPresent() && library.get().lookup().find("openblas_set_num_threads").isPresent();
            if (openblas) {
                Cblas.openblas_set_num_threads(WorkerPool.threads());
            }
            AVAILABLE = library.isPresent();
            OPENBLAS = openblas;
            CORE = openblas && library.get().lookup().find("openblas_get_corename").isPresent() ? coreName() : null;
        }

        @SuppressWarnings("restricted")    // the C string OpenBLAS returns, read up to its terminator
        private static String coreName() {
            return Cblas.openblas_get_corename().reinterpret(256).getString(0);
        }
    }
}
