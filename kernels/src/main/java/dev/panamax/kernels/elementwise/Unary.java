package dev.panamax.kernels.elementwise;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Elementwise functions of one contiguous run: exp and log from {@link VectorMath}'s polynomial
 * kernels (within 1 ulp, the same bits in every JIT tier), sqrt as IEEE's correctly rounded one,
 * abs, neg and sign exactly. The last {@code n % LANES} elements go through one masked vector,
 * so every element is computed by the same vector code.
 */
public final class Unary {

    private Unary() {
    }

    /** {@code y[i] = op(x[i])} for {@code i < n}; y may be x itself (in place). */
    public static void apply(UnaryOp op, long n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        Checks.floats("x", x, xOff, n);
        Checks.floats("y", y, yOff, n);
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            store(op, FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER), y, yOff + i, null);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            store(op, FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER, m), y, yOff + i, m);
        }
    }

    /** One vector of {@code op(x)}, stored in its branch so that no vector leaves the switch (see {@link Broadcast}). */
    private static void store(UnaryOp op, FloatVector x, MemorySegment y, long at, VectorMask<Float> m) {
        switch (op) {
            case EXP -> put(VectorMath.exp(x), y, at, m);
            case LOG -> put(VectorMath.log(x), y, at, m);
            case SQRT -> put(x.lanewise(VectorOperators.SQRT), y, at, m);
            case ABS -> put(x.abs(), y, at, m);
            case NEG -> put(x.neg(), y, at, m);
            case SIGN -> put(x.broadcast(0f).blend(1f, x.compare(VectorOperators.GT, 0f))
                    .blend(-1f, x.compare(VectorOperators.LT, 0f)).blend(x, x.compare(VectorOperators.NE, x)), y, at, m);
        }
    }

    private static void put(FloatVector r, MemorySegment y, long at, VectorMask<Float> m) {
        if (m == null) {
            r.intoMemorySegment(y, at * Float.BYTES, ORDER);
        } else {
            r.intoMemorySegment(y, at * Float.BYTES, ORDER, m);
        }
    }
}
