package dev.panamax.kernels.activation;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The gated linear unit, {@code torch.nn.functional.glu}: the input split in two halves along a
 * dimension, {@code y = a sigmoid(b)}. Over a contiguous {@code [outer, 2 h, inner]} (the split
 * dimension in the middle), {@code a = x[o, j, i]} and {@code b = x[o, h + j, i]}; the output is
 * {@code [outer, h, inner]}. Scalar, with the sigmoid in double: a gate is a small part of a model.
 */
public final class Glu {

    private Glu() {
    }

    /** {@code y[o, j, i] = x[o, j, i] sigmoid(x[o, h + j, i])}. */
    public static void forward(long outer, long h, long inner, MemorySegment x, long xo, MemorySegment y, long yo) {
        if (check(outer, h, inner, x, xo, "y", y, yo) == 0) {
            return;                                   // no elements, however many of the loops' steps
        }
        for (long o = 0; o < outer; o++) {
            for (long j = 0; j < h; j++) {
                long a = xo + (o * 2 * h + j) * inner;
                long b = a + h * inner;
                long out = yo + (o * h + j) * inner;
                for (long i = 0; i < inner; i++) {
                    FloatLanes.set(y, out + i, (float) (FloatLanes.get(x, a + i) * sigmoid(FloatLanes.get(x, b + i))));
                }
            }
        }
    }

    /**
     * The input's gradient ({@code [outer, 2 h, inner]}) for the output's {@code gy}: {@code sigmoid(b) gy}
     * for the first half, {@code a sigmoid(b) (1 - sigmoid(b)) gy} for the second.
     */
    public static void backward(long outer, long h, long inner, MemorySegment x, long xo, MemorySegment gy, long gyo,
                                MemorySegment gx, long gxo) {
        long n = check(outer, h, inner, x, xo, "gy", gy, gyo);
        Checks.floats("gx", gx, gxo, Checks.elements(outer, 2 * h, inner));
        if (n == 0) {
            return;
        }
        for (long o = 0; o < outer; o++) {
            for (long j = 0; j < h; j++) {
                long a = (o * 2 * h + j) * inner;
                long b = a + h * inner;
                long g = gyo + (o * h + j) * inner;
                for (long i = 0; i < inner; i++) {
                    double s = sigmoid(FloatLanes.get(x, xo + b + i));
                    double up = FloatLanes.get(gy, g + i);
                    FloatLanes.set(gx, gxo + a + i, (float) (s * up));
                    FloatLanes.set(gx, gxo + b + i, (float) (FloatLanes.get(x, xo + a + i) * s * (1 - s) * up));
                }
            }
        }
    }

    private static double sigmoid(double v) {
        return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }

    /** Checks the operands; returns the elements of a half, {@code outer h inner}. */
    private static long check(long outer, long h, long inner, MemorySegment x, long xo, String name, MemorySegment half,
                              long ho) {
        Checks.nonNegative("outer", outer);
        Checks.nonNegative("h", h);
        Checks.nonNegative("inner", inner);
        Checks.floats("x", x, xo, Checks.elements(outer, 2 * h, inner));
        long n = Checks.elements(outer, h, inner);
        Checks.floats(name, half, ho, n);
        return n;
    }
}
