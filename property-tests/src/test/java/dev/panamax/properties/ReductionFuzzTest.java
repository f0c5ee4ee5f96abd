package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.reduce.AxisMax;

/**
 * The maximum along an axis under fuzzed {@code [outer, n, inner]} (any int now and then),
 * offsets, segment sizes and, for the backward, indices (out of range now and then): a refusal
 * that writes nothing, or the first maximum with its index (NaN above everything) for every
 * {@code [o, j]}, and a gradient that is g at each index and 0 elsewhere.
 */
class ReductionFuzzTest {

    @FuzzTest
    void axisMax(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            long outer = f.dim(6);
            long n = f.dim(9);
            long inner = f.dim(6);
            long xOff = f.offset();
            long vOff = f.offset();
            long iOff = f.offset();
            MemorySegment x = f.floats(footprint(xOff, outer, n * inner, n, inner, inner, 1));
            if (x != null && x.byteSize() > 0 && f.bool()) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, f.nextInt((int) (x.byteSize() / Float.BYTES)), Float.NaN);
            }
            MemorySegment values = f.floats(footprint(vOff, outer, inner, inner, 1));
            MemorySegment indices = f.longs(footprint(iOff, outer, inner, inner, 1), -1, Math.max(0, n));
            boolean backward = f.bool();
            if (backward) {
                MemorySegment gx = f.floats(footprint(xOff, outer, n * inner, n, inner, inner, 1));
                MemorySegment g = values;
                if (!FuzzArgs.accepted(() -> AxisMax.backward(outer, n, inner, indices, iOff, g, vOff, gx, xOff), gx)
                        || large(outer, n, inner)) {
                    return;
                }
                for (long o = 0; o < outer; o++) {
                    for (long i = 0; i < n; i++) {
                        for (long j = 0; j < inner; j++) {
                            long r = o * inner + j;
                            float want = indices.getAtIndex(ValueLayout.JAVA_LONG, iOff + r) == i ? at(g, vOff + r) : 0f;
                            if (Float.floatToIntBits(at(gx, xOff + (o * n + i) * inner + j)) != Float.floatToIntBits(want)) {
                                throw new AssertionError("gradient at [" + o + ", " + i + ", " + j + "] is "
                                        + at(gx, xOff + (o * n + i) * inner + j) + ", want " + want);
                            }
                        }
                    }
                }
                return;
            }
            if (!FuzzArgs.accepted(() -> AxisMax.forward(outer, n, inner, x, xOff, values, vOff, indices, iOff), values, indices)
                    || large(outer, n, inner)) {
                return;
            }
            for (long o = 0; o < outer; o++) {
                for (long j = 0; j < inner; j++) {
                    float best = Float.NEGATIVE_INFINITY;
                    long where = -1;
                    for (long i = 0; i < n; i++) {
                        float v = at(x, xOff + (o * n + i) * inner + j);
                        if (where < 0 || Float.isNaN(v) && !Float.isNaN(best) || v > best) {
                            best = v;
                            where = i;
                        }
                    }
                    long r = o * inner + j;
                    if (Float.floatToIntBits(at(values, vOff + r)) != Float.floatToIntBits(best)
                            || indices.getAtIndex(ValueLayout.JAVA_LONG, iOff + r) != where) {
                        throw new AssertionError("[" + o + ", " + j + "]: " + at(values, vOff + r) + " at "
                                + indices.getAtIndex(ValueLayout.JAVA_LONG, iOff + r) + ", want " + best + " at " + where);
                    }
                }
            }
        }
    }

    /** Too many elements to check one by one (an accepted call may have a huge size beside a 0). */
    private static boolean large(long outer, long n, long inner) {
        return outer > 1 << 16 || n > 1 << 16 || inner > 1 << 16 || outer * n * inner > 1 << 16;
    }
}
