package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.VectorMask;

/** Level-1 vector operations on contiguous floats, named as in BLAS. */
public final class Blas1 {

    private Blas1() {
    }

    /** {@code x = alpha x}. */
    public static void sscal(long n, float alpha, MemorySegment x, long xOff) {
        Checks.floats("x", x, xOff, n);
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatLanes.store(FloatLanes.load(x, xOff + i, m).mul(alpha), x, xOff + i, m);
        }
    }

    /** {@code y = alpha x + y}. */
    public static void saxpy(long n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        Checks.floats("x", x, xOff, n);
        Checks.floats("y", y, yOff, n);
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatLanes.store(FloatLanes.load(x, xOff + i, m).mul(alpha).add(FloatLanes.load(y, yOff + i, m)), y, yOff + i, m);
        }
    }

    /** {@code z = x * y} element by element (the Hadamard product; z may alias x or y). */
    public static void shad(long n, MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment z, long zOff) {
        Checks.floats("x", x, xOff, n);
        Checks.floats("y", y, yOff, n);
        Checks.floats("z", z, zOff, n);
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatLanes.store(FloatLanes.load(x, xOff + i, m).mul(FloatLanes.load(y, yOff + i, m)), z, zOff + i, m);
        }
    }
}
