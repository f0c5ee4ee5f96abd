package dev.panamax.bindings.openblas;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings to the CBLAS subset in {@code native/cblas_subset.h}, in the shape jextract
 * generates (one holder class per function, resolved on first use; {@code C_*} layouts; enum
 * constants as methods). No logic and no validation: callers check every argument first (a bad
 * leading dimension crashes the JVM inside the library). The library is the one
 * {@link OpenBlasLibrary} finds; calling any function without one throws
 * {@link IllegalStateException}.
 */
public final class Cblas {

    private Cblas() {
    }

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private static final int CblasRowMajor = 101;
    private static final int CblasColMajor = 102;
    private static final int CblasNoTrans = 111;
    private static final int CblasTrans = 112;

    /** {@code enum CBLAS_ORDER.CblasRowMajor = 101}. */
    public static int CblasRowMajor() {
        return CblasRowMajor;
    }

    /** {@code enum CBLAS_ORDER.CblasColMajor = 102}. */
    public static int CblasColMajor() {
        return CblasColMajor;
    }

    /** {@code enum CBLAS_TRANSPOSE.CblasNoTrans = 111}. */
    public static int CblasNoTrans() {
        return CblasNoTrans;
    }

    /** {@code enum CBLAS_TRANSPOSE.CblasTrans = 112}. */
    public static int CblasTrans() {
        return CblasTrans;
    }

    static MemorySegment findOrThrow(String symbol) {
        SymbolLookup lookup = OpenBlasLibrary.find()
                .orElseThrow(() -> new IllegalStateException("no CBLAS library was found (see OpenBlasLibrary)"))
                .lookup();
        return lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    private static MethodHandle downcall(String symbol, FunctionDescriptor desc) {
        return Linker.nativeLinker().downcallHandle(findOrThrow(symbol), desc);
    }

    /** As jextract: errors and runtime exceptions (a closed segment's IllegalStateException) pass, nothing else can come. */
    private static AssertionError unreachable(Throwable t) {
        return new AssertionError("should not reach here", t);
    }

    private static final class cblas_sgemm {
        static final MethodHandle HANDLE = downcall("cblas_sgemm", FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT,
                C_INT, C_INT, C_INT, C_FLOAT, C_POINTER, C_INT, C_POINTER, C_INT, C_FLOAT, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * void cblas_sgemm(const enum CBLAS_ORDER Order, const enum CBLAS_TRANSPOSE TransA,
     * const enum CBLAS_TRANSPOSE TransB, const blasint M, const blasint N, const blasint K, const float alpha,
     * const float *A, const blasint lda, const float *B, const blasint ldb, const float beta, float *C,
     * const blasint ldc)
     * }
     */
    public static void cblas_sgemm(int Order, int TransA, int TransB, int M, int N, int K, float alpha,
                                   MemorySegment A, int lda, MemorySegment B, int ldb, float beta, MemorySegment C, int ldc) {
        try {
            cblas_sgemm.HANDLE.invokeExact(Order, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class cblas_sgemv {
        static final MethodHandle HANDLE = downcall("cblas_sgemv", FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT,
                C_INT, C_FLOAT, C_POINTER, C_INT, C_POINTER, C_INT, C_FLOAT, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * void cblas_sgemv(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE trans,
     * const blasint m, const blasint n, const float alpha, const float *a, const blasint lda, const float *x,
     * const blasint incx, const float beta, float *y, const blasint incy)
     * }
     */
    public static void cblas_sgemv(int order, int trans, int m, int n, float alpha, MemorySegment a, int lda,
                                   MemorySegment x, int incx, float beta, MemorySegment y, int incy) {
        try {
            cblas_sgemv.HANDLE.invokeExact(order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class cblas_saxpy {
        static final MethodHandle HANDLE = downcall("cblas_saxpy",
                FunctionDescriptor.ofVoid(C_INT, C_FLOAT, C_POINTER, C_INT, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * void cblas_saxpy(const blasint n, const float alpha, const float *x, const blasint incx, float *y, const blasint incy)
     * }
     */
    public static void cblas_saxpy(int n, float alpha, MemorySegment x, int incx, MemorySegment y, int incy) {
        try {
            cblas_saxpy.HANDLE.invokeExact(n, alpha, x, incx, y, incy);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class cblas_sdot {
        static final MethodHandle HANDLE = downcall("cblas_sdot",
                FunctionDescriptor.of(C_FLOAT, C_INT, C_POINTER, C_INT, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * float cblas_sdot(const blasint n, const float *x, const blasint incx, const float *y, const blasint incy)
     * }
     */
    public static float cblas_sdot(int n, MemorySegment x, int incx, MemorySegment y, int incy) {
        try {
            return (float) cblas_sdot.HANDLE.invokeExact(n, x, incx, y, incy);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class cblas_snrm2 {
        static final MethodHandle HANDLE = downcall("cblas_snrm2", FunctionDescriptor.of(C_FLOAT, C_INT, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * float cblas_snrm2(const blasint N, const float *X, const blasint incX)
     * }
     */
    public static float cblas_snrm2(int N, MemorySegment X, int incX) {
        try {
            return (float) cblas_snrm2.HANDLE.invokeExact(N, X, incX);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class cblas_sscal {
        static final MethodHandle HANDLE = downcall("cblas_sscal", FunctionDescriptor.ofVoid(C_INT, C_FLOAT, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * void cblas_sscal(const blasint N, const float alpha, float *X, const blasint incX)
     * }
     */
    public static void cblas_sscal(int N, float alpha, MemorySegment X, int incX) {
        try {
            cblas_sscal.HANDLE.invokeExact(N, alpha, X, incX);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class openblas_get_config {
        static final MethodHandle HANDLE = downcall("openblas_get_config", FunctionDescriptor.of(C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * char *openblas_get_config(void)
     * }
     */
    public static MemorySegment openblas_get_config() {
        try {
            return (MemorySegment) openblas_get_config.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class openblas_get_corename {
        static final MethodHandle HANDLE = downcall("openblas_get_corename", FunctionDescriptor.of(C_POINTER));
    }

    /**
     * {@snippet lang=c :
     * char *openblas_get_corename(void)
     * }
     */
    public static MemorySegment openblas_get_corename() {
        try {
            return (MemorySegment) openblas_get_corename.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class openblas_set_num_threads {
        static final MethodHandle HANDLE = downcall("openblas_set_num_threads", FunctionDescriptor.ofVoid(C_INT));
    }

    /**
     * {@snippet lang=c :
     * void openblas_set_num_threads(int num_threads)
     * }
     */
    public static void openblas_set_num_threads(int num_threads) {
        try {
            openblas_set_num_threads.HANDLE.invokeExact(num_threads);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    private static final class openblas_get_num_threads {
        static final MethodHandle HANDLE = downcall("openblas_get_num_threads", FunctionDescriptor.of(C_INT));
    }

    /**
     * {@snippet lang=c :
     * int openblas_get_num_threads(void)
     * }
     */
    public static int openblas_get_num_threads() {
        try {
            return (int) openblas_get_num_threads.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
