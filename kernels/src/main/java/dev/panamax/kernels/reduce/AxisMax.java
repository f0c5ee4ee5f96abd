package dev.panamax.kernels.reduce;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The maximum along one axis and where it is, as {@code torch.max(x, dim)}: x contiguous, seen as
 * {@code [outer, n, inner]} with the axis in the middle; values and indices {@code [outer, inner]}.
 * The first maximum wins a tie, and NaN is the maximum of anything (the first NaN's index), as
 * PyTorch documents. Each row of the axis is read with the inner index running fastest, so a
 * reduction over a middle axis streams through memory in order.
 */
public final class AxisMax {

    private AxisMax() {
    }

    /** Fills values (float32) and indices (int64) with each {@code [o, :, j]}'s maximum and its index; n at least 1. */
    public static void forward(long outer, long n, long inner, MemorySegment x, long xOff, MemorySegment values, long vOff,
                               MemorySegment indices, long iOff) {
        check(outer, n, inner);
        if (n < 1) {
            throw new IllegalArgumentException("the axis must hold at least one element to have a maximum, got n " + n);
        }
        long rows = Checks.elements(outer, inner);
        Checks.floats("x", x, xOff, Checks.elements(outer, n, inner));
        Checks.floats("values", values, vOff, rows);
        Checks.longs("indices", indices, iOff, rows);
        if (rows == 0) {
            return;     // a billion empty rows would still be a billion turns of the loops
        }
        for (long o = 0; o < outer; o++) {
            long base = xOff + o * n * inner;
            long out = o * inner;
            for (long j = 0; j < inner; j++) {
                FloatLanes.set(values, vOff + out + j, FloatLanes.get(x, base + j));
                indices.setAtIndex(FloatLanes.LONG, iOff + out + j, 0L);
            }
            for (long i = 1; i < n; i++) {
                long row = base + i * inner;
                for (long j = 0; j < inner; j++) {
                    float v = FloatLanes.get(x, row + j);
                    float best = FloatLanes.get(values, vOff + out + j);
                    if (v > best || v != v && best == best) {
                        FloatLanes.set(values, vOff + out + j, v);
                        indices.setAtIndex(FloatLanes.LONG, iOff + out + j, i);
                    }
                }
            }
        }
    }

    /**
     * The gradient of {@link #forward}: {@code gx[o, indices[o, j], j] = g[o, j]}, 0 elsewhere
     * (gx {@code [outer, n, inner]} contiguous, g and indices {@code [outer, inner]}); every index
     * must lie in {@code [0, n)}.
     */
    public static void backward(long outer, long n, long inner, MemorySegment indices, long iOff, MemorySegment g, long gOff,
                                MemorySegment gx, long gxOff) {
        check(outer, n, inner);
        long rows = Checks.elements(outer, inner);
        Checks.longs("indices", indices, iOff, rows);
        Checks.floats("g", g, gOff, rows);
        long total = Checks.elements(outer, n, inner);
        Checks.floats("gx", gx, gxOff, total);
        for (long r = 0; r < rows; r++) {
            long at = indices.getAtIndex(FloatLanes.LONG, iOff + r);
            if (at < 0 || at >= n) {
                throw new IllegalArgumentException("index " + at + " at position " + r + " lies outside the axis of " + n);
            }
        }
        FloatLanes.fill(gx, gxOff, total, 0f);
        if (rows == 0) {
            return;
        }
        for (long o = 0; o < outer; o++) {
            for (long j = 0; j < inner; j++) {
                long r = o * inner + j;
                long at = indices.getAtIndex(FloatLanes.LONG, iOff + r);
                FloatLanes.set(gx, gxOff + (o * n + at) * inner + j, FloatLanes.get(g, gOff + r));
            }
        }
    }

    private static void check(long outer, long n, long inner) {
        Checks.nonNegative("outer", outer);
        Checks.nonNegative("n", n);
        Checks.nonNegative("inner", inner);
    }
}
