package dev.panamax.kernels.embedding;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
        backward(count, v, d, indices, iOff, gy, gyOff, paddingIdx, null, 0, gWeight, gwOff);
    }

    /**
     * {@link #backward(long, long, long, MemorySegment, long, MemorySegment, long, long, MemorySegment, long)}
     * with PyTorch's {@code scale_grad_by_freq}: each row's gradient divided by how often its index
     * occurs among the {@code count} indices, counted in {@code frequency} ({@code V} int64 of
     * scratch, overwritten), or unscaled when that is null.
     */
    public static void backward(long count, long v, long d, MemorySegment indices, long iOff, MemorySegment gy, long gyOff,
                                long paddingIdx, MemorySegment frequency, long fOff, MemorySegment gWeight, long gwOff) {
        check(count, v, d, indices, iOff, gWeight, gwOff);
        Checks.floats("gy", gy, gyOff, Checks.elements(count, d));
        if (frequency != null) {
            Checks.longs("frequency", frequency, fOff, v);
            for (long r = 0; r < v; r++) {
                frequency.setAtIndex(ValueLayout.JAVA_LONG, fOff + r, 0);
            }
            for (long i = 0; i < count; i++) {
                long at = fOff + FloatLanes.getLong(indices, iOff + i);
                frequency.setAtIndex(ValueLayout.JAVA_LONG, at,
                        frequency.getAtIndex(ValueLayout.JAVA_LONG, at) + 1);
            }
        }
        if (d == 0) {
            return;                               // empty rows: nothing to add, however many indices
        }
        for (long i = 0; i < count; i++) {
            long row = FloatLanes.getLong(indices, iOff + i);
            if (row == paddingIdx) {
                continue;
            }
            float scale = frequency == null ? 1f
                    : 1f / frequency.getAtIndex(ValueLayout.JAVA_LONG, fOff + row);
            long dst = gwOff + row * d;
            long src = gyOff + i * d;
            for (long k = 0; k < d; k += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, d - k));
                FloatVector.fromMemorySegment(SPECIES, gWeight, (dst + k) * Float.BYTES, ORDER, m)
                        .add(FloatVector.fromMemorySegment(SPECIES, gy, (src + k) * Float.BYTES, ORDER, m).mul(scale))
                        .intoMemorySegment(gWeight, (dst + k) * Float.BYTES, ORDER, m);
            }
        }
    }

    /**
     * PyTorch's {@code max_norm}: each row the indices name whose {@code normType}-norm exceeds
     * {@code maxNorm} is scaled in place to {@code maxNorm / (norm + 1e-7)} times itself, as
     * {@code embedding_renorm_} does before a lookup (without a gradient). Each row is visited
     * once however often it is named (PyTorch sorts the indices for that): {@code visited} is
     * {@code V} bytes of scratch, overwritten.
     */
    public static void renorm(long count, long v, long d, MemorySegment indices, long iOff, MemorySegment weight, long wOff,
                              double maxNorm, double normType, MemorySegment visited, long vOff) {
        check(count, v, d, indices, iOff, weight, wOff);
        if (!(normType > 0) || !(maxNorm >= 0)) {
            throw new IllegalArgumentException("max_norm needs max_norm >= 0 and norm_type > 0, got " + maxNorm + ", " + normType);
        }
        Checks.extent("visited", visited, vOff, v, 1, 1);
        if (d == 0) {
            return;
        }
        visited.asSlice(vOff, v).fill((byte) 0);
        for (long i = 0; i < count; i++) {
            long index = FloatLanes.getLong(indices, iOff + i);
            if (visited.get(ValueLayout.JAVA_BYTE, vOff + index) != 0) {
                continue;
            }
            visited.set(ValueLayout.JAVA_BYTE, vOff + index, (byte) 1);
            long row = wOff + index * d;
            double norm = 0;
            for (long k = 0; k < d; k++) {
                double e = Math.abs(FloatLanes.get(weight, row + k));
                norm = Double.isInfinite(normType) ? Math.max(norm, e) : norm + (normType == 2 ? e * e : Math.pow(e, normType));
            }
            norm = Double.isInfinite(normType) ? norm : normType == 2 ? Math.sqrt(norm) : Math.pow(norm, 1 / normType);
            if (norm > maxNorm) {
                double scale = maxNorm / (norm + 1e-7);
                for (long k = 0; k < d; k++) {
                    FloatLanes.set(weight, row + k, (float) (FloatLanes.get(weight, row + k) * scale));
                }
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
