package dev.panamax.kernels.embedding;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.FloatVector;

/**
 * Embedding lookup, {@code torch.nn.functional.embedding}: rows of a table {@code weight [V, D]}
 * gathered by int64 indices; backward scatter-adds the output gradient rows into the table's
 * gradient (indices may repeat, so rows add up), except the {@code paddingIdx} row.
 */
public final class Embedding {

    /** Pass as {@code paddingIdx} when there is no padding row. */
    public static final long NO_PADDING = -1;

    private Embedding() {
    }

    /**
     * {@code y[i, :] = weight[indices[i], :]} for {@code count} indices. The padding row is read
     * like any other, as in PyTorch.
     */
    public static void forward(long count, long v, long d, MemorySegment indices, long iOff,
                               MemorySegment weight, long wOff, MemorySegment y, long yOff) {
        check(count, v, d, indices, iOff, weight, wOff);
        Checks.floats("y", y, yOff, Checks.elements(count, d));
        if (d == 0) {
            return;                               // empty rows: nothing to copy (and y may be empty)
        }
        for (long i = 0; i < count; i++) {
            long row = FloatLanes.getLong(indices, iOff + i);
            MemorySegment.copy(weight, (wOff + row * d) * Float.BYTES, y, (yOff + i * d) * Float.BYTES, d * Float.BYTES);
        }
    }

    /**
     * {@code gWeight[indices[i], :] += gy[i, :]} for every i whose index is not
     * {@code paddingIdx}. {@code gWeight} is accumulated into, not cleared.
     */
    public static void backward(long count, long v, long d, MemorySegment indices, long iOff,
                                MemorySegment gy, long gyOff, long paddingIdx, MemorySegment gWeight, long gwOff) {
        check(count, v, d, indices, iOff, gWeight, gwOff);
        Checks.floats("gy", gy, gyOff, Checks.elements(count, d));
        for (long i = 0; i < count; i++) {
            long row = FloatLanes.getLong(indices, iOff + i);
            if (row == paddingIdx) {
                continue;
            }
            long dst = gwOff + row * d;
            long src = gyOff + i * d;
            for (long k = 0; k < d; k += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, d - k));
                FloatVector.fromMemorySegment(SPECIES, gWeight, (dst + k) * Float.BYTES, ORDER, m).add(FloatVector.fromMemorySegment(SPECIES, gy, (src + k) * Float.BYTES, ORDER, m)).intoMemorySegment(gWeight, (dst + k) * Float.BYTES, ORDER, m);
            }
        }
    }

    private static void check(long count, long v, long d, MemorySegment indices, long iOff,
                              MemorySegment weight, long wOff) {
        Checks.nonNegative("count", count);
        Checks.nonNegative("V", v);
        Checks.nonNegative("D", d);
        Checks.longs("indices", indices, iOff, count);
        Checks.floats("weight", weight, wOff, Checks.elements(v, d));
        for (long i = 0; i < count; i++) {
            long row = FloatLanes.getLong(indices, iOff + i);
            if (row < 0 || row >= v) {
                throw new IllegalArgumentException("indices[" + i + "] must be in [0, " + v + "), got " + row);
            }
        }
    }
}
