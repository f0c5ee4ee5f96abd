package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * Level-1 vector operations on contiguous floats, named as in BLAS. Whole vectors go unmasked and
 * the last {@code n % LANES} elements in scalar: masked loads and stores in the loop were not
 * always intrinsified and then allocated a vector each (a transformer step's dropout).
 */
public final class Blas1 {

    private Blas1() {
    }

    /** {@code x = alpha x}. */
    public static void sscal(long n, float alpha, MemorySegment x, long xOff) {
        Checks.floats("x", x, xOff, n);
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).mul(alpha).intoMemorySegment(x, (xOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            FloatLanes.set(x, xOff + i, FloatLanes.get(x, xOff + i) * alpha);
        }
    }

    /** {@code y = alpha x + y}. */
    public static void saxpy(long n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        Checks.floats("x", x, xOff, n);
        Checks.floats("y", y, yOff, n);
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).mul(alpha).add(FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER)).intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            FloatLanes.set(y, yOff + i, FloatLanes.get(x, xOff + i) * alpha + FloatLanes.get(y, yOff + i));
        }
    }

    /** {@code z = x * y} element by element (the Hadamard product; z may alias x or y). */
    public static void shad(long n, MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment z, long zOff) {
        Checks.floats("x", x, xOff, n);
        Checks.floats("y", y, yOff, n);
        Checks.floats("z", z, zOff, n);
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).mul(FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER)).intoMemorySegment(z, (zOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            FloatLanes.set(z, zOff + i, FloatLanes.get(x, xOff + i) * FloatLanes.get(y, yOff + i));
        }
    }
}
