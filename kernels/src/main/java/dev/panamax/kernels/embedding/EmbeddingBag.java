package dev.panamax.kernels.embedding;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Bags of embeddings reduced without materialising them, {@code torch.nn.functional.embedding_bag}:
 * bag {@code b} holds the indices {@code [offsets[b], end_b)} of a flat int64 list, {@code end_b}
 * the next bag's offset (the last bag's is given), and its output row is the sum, the mean or the
 * per-dimension maximum of the table rows they name ({@link Mode}). As PyTorch's: the padding
 * index takes no part (a mean divides by the other indices), an empty bag gives zeros, and
 * per-sample weights scale the rows of a sum. The text classifier of PyTorch's tutorials is one
 * such layer over a bag of words.
 */
public final class EmbeddingBag {

    /** How a bag's rows are reduced. */
    public enum Mode {
        /** The sum, each row scaled by its per-sample weight when there are any. */
        SUM,
        /** The mean over the bag's non-padding indices. */
        MEAN,
        /** The maximum per dimension; backward routes each dimension's gradient to the row that held it. */
        MAX
    }

    private EmbeddingBag() {
    }

    /**
     * {@code y[b, :]} for every bag.
     *
     * @param bags       the number of bags, B
     * @param count      the number of indices
     * @param indices    int64 {@code [count]}, each in {@code [0, V)}
     * @param offsets    int64 {@code [B]}: the first index of each bag, {@code offsets[0] = 0}, non-decreasing
     * @param lastEnd    where the last bag ends ({@code count}, or the extra offset of {@code include_last_offset})
     * @param weights    per-sample weights {@code [count]} ({@link Mode#SUM} only), or null
     * @param paddingIdx the row that takes no part, or {@link Embedding#NO_PADDING}
     * @param y          {@code [B, D]}, written
     * @param argmax     {@link Mode#MAX}: int64 {@code [B, D]}, the index each maximum came from (-1 for an
     *                   empty bag), written for backward; null otherwise
     */
    public static void forward(Mode mode, long bags, long count, long v, long d, MemorySegment indices, long iOff,
                               MemorySegment offsets, long oOff, long lastEnd, MemorySegment weights, long pwOff,
                               long paddingIdx, MemorySegment table, long tOff, MemorySegment y, long yOff,
                               MemorySegment argmax, long amOff) {
        check(mode, bags, count, v, d, indices, iOff, offsets, oOff, lastEnd, weights, pwOff, table, tOff);
        Checks.floats("y", y, yOff, Checks.elements(bags, d));
        if (mode == Mode.MAX) {
            Checks.notNull("argmax", argmax);
            Checks.longs("argmax", argmax, amOff, Checks.elements(bags, d));
        }
        for (long b = 0; b < bags; b++) {
            long start = FloatLanes.getLong(offsets, oOff + b);
            long end = b + 1 < bags ? FloatLanes.getLong(offsets, oOff + b + 1) : lastEnd;
            long out = yOff + b * d;
            FloatLanes.fill(y, out, d, 0f);
            if (mode == Mode.MAX) {
                maxBag(start, end, d, indices, iOff, paddingIdx, table, tOff, y, out, argmax, amOff + b * d);
                continue;
            }
            long taken = 0;
            for (long i = start; i < end; i++) {
                long row = FloatLanes.getLong(indices, iOff + i);
                if (row == paddingIdx) {
                    continue;
                }
                taken++;
                float scale = weights == null ? 1f : FloatLanes.get(weights, pwOff + i);
                axpy(d, scale, table, tOff + row * d, y, out);
            }
            if (mode == Mode.MEAN && taken > 1) {
                scale(d, 1f / taken, y, out);
            }
        }
    }

    /**
     * Accumulates the table's gradient ({@code +=}) and, when asked, writes the per-sample weights'.
     *
     * @param gy       {@code [B, D]}
     * @param argmax   what {@link Mode#MAX}'s forward wrote; null for the other modes
     * @param gWeights {@code [count]}, the gradient of the per-sample weights ({@code gy[b] . table[row]},
     *                 0 for a padding index), or null
     */
    public static void backward(Mode mode, long bags, long count, long v, long d, MemorySegment indices, long iOff,
                                MemorySegment offsets, long oOff, long lastEnd, MemorySegment weights, long pwOff,
                                long paddingIdx, MemorySegment table, long tOff, MemorySegment gy, long gyOff,
                                MemorySegment argmax, long amOff, MemorySegment gTable, long gtOff,
                                MemorySegment gWeights, long gwOff) {
        check(mode, bags, count, v, d, indices, iOff, offsets, oOff, lastEnd, weights, pwOff, table, tOff);
        Checks.floats("gy", gy, gyOff, Checks.elements(bags, d));
        Checks.floats("gTable", gTable, gtOff, Checks.elements(v, d));
        if (gWeights != null) {
            if (mode != Mode.SUM) {
                throw new IllegalArgumentException("per-sample weights have a gradient in mode SUM only, got " + mode);
            }
            Checks.floats("gWeights", gWeights, gwOff, count);
            FloatLanes.fill(gWeights, gwOff, count, 0f);
        }
        if (mode == Mode.MAX) {
            Checks.notNull("argmax", argmax);
            Checks.longs("argmax", argmax, amOff, Checks.elements(bags, d));
            for (long j = 0; j < bags * d; j++) {         // all of it before the first write
                long row = FloatLanes.getLong(argmax, amOff + j);
                if (row < -1 || row >= v) {
                    throw new IllegalArgumentException("argmax[" + j + "] must be in [-1, " + v + "), got " + row);
                }
            }
            for (long j = 0; j < bags * d; j++) {
                long row = FloatLanes.getLong(argmax, amOff + j);
                if (row >= 0) {
                    long at = gtOff + row * d + j % d;
                    FloatLanes.set(gTable, at, FloatLanes.get(gTable, at) + FloatLanes.get(gy, gyOff + j));
                }
            }
            return;
        }
        for (long b = 0; b < bags; b++) {
            long start = FloatLanes.getLong(offsets, oOff + b);
            long end = b + 1 < bags ? FloatLanes.getLong(offsets, oOff + b + 1) : lastEnd;
            long taken = 0;
            if (mode == Mode.MEAN) {
                for (long i = start; i < end; i++) {
                    taken += FloatLanes.getLong(indices, iOff + i) == paddingIdx ? 0 : 1;
                }
            }
            float share = mode == Mode.MEAN && taken > 1 ? 1f / taken : 1f;
            long g = gyOff + b * d;
            for (long i = start; i < end; i++) {
                long row = FloatLanes.getLong(indices, iOff + i);
                if (row == paddingIdx) {
                    continue;
                }
                float scale = weights == null ? share : FloatLanes.get(weights, pwOff + i);
                axpy(d, scale, gy, g, gTable, gtOff + row * d);
                if (gWeights != null) {
                    FloatLanes.set(gWeights, gwOff + i, dot(d, gy, g, table, tOff + row * d));
                }
            }
        }
    }

    private static void maxBag(long start, long end, long d, MemorySegment indices, long iOff, long paddingIdx,
                               MemorySegment table, long tOff, MemorySegment y, long out, MemorySegment argmax, long am) {
        for (long k = 0; k < d; k++) {
            argmax.setAtIndex(FloatLanes.LONG, am + k, -1L);
        }
        for (long i = start; i < end; i++) {
            long row = FloatLanes.getLong(indices, iOff + i);
            if (row == paddingIdx) {
                continue;
            }
            for (long k = 0; k < d; k++) {
                float value = FloatLanes.get(table, tOff + row * d + k);
                // the first row to hold the maximum keeps it, as PyTorch's; NaN wins, as its max does
                if (FloatLanes.getLong(argmax, am + k) < 0 || value > FloatLanes.get(y, out + k) || Float.isNaN(value)
                        && !Float.isNaN(FloatLanes.get(y, out + k))) {
                    FloatLanes.set(y, out + k, value);
                    argmax.setAtIndex(FloatLanes.LONG, am + k, row);
                }
            }
        }
    }

    /** {@code dst[0, d) += a src[0, d)}. */
    private static void axpy(long d, float a, MemorySegment src, long s, MemorySegment dst, long t) {
        FloatVector av = FloatVector.broadcast(SPECIES, a);
        for (long k = 0; k < d; k += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, d - k));
            FloatVector.fromMemorySegment(SPECIES, src, (s + k) * Float.BYTES, ORDER, m)
                    .fma(av, FloatVector.fromMemorySegment(SPECIES, dst, (t + k) * Float.BYTES, ORDER, m))
                    .intoMemorySegment(dst, (t + k) * Float.BYTES, ORDER, m);
        }
    }

    private static void scale(long d, float a, MemorySegment y, long at) {
        for (long k = 0; k < d; k += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, d - k));
            FloatVector.fromMemorySegment(SPECIES, y, (at + k) * Float.BYTES, ORDER, m).mul(a)
                    .intoMemorySegment(y, (at + k) * Float.BYTES, ORDER, m);
        }
    }

    private static float dot(long d, MemorySegment a, long aAt, MemorySegment b, long bAt) {
        double s = 0;
        for (long k = 0; k < d; k++) {
            s += (double) FloatLanes.get(a, aAt + k) * FloatLanes.get(b, bAt + k);
        }
        return (float) s;
    }

    private static void check(Mode mode, long bags, long count, long v, long d, MemorySegment indices, long iOff,
                              MemorySegment offsets, long oOff, long lastEnd, MemorySegment weights, long pwOff,
                              MemorySegment table, long tOff) {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        Checks.nonNegative("bags", bags);
        Checks.nonNegative("count", count);
        Checks.nonNegative("V", v);
        Checks.nonNegative("D", d);
        Checks.longs("indices", indices, iOff, count);
        Checks.longs("offsets", offsets, oOff, bags);
        Checks.floats("table", table, tOff, Checks.elements(v, d));
        if (weights != null) {
            if (mode != Mode.SUM) {
                throw new IllegalArgumentException("per-sample weights are for mode SUM only (as PyTorch's), got " + mode);
            }
            Checks.floats("per-sample weights", weights, pwOff, count);
        }
        for (long i = 0; i < count; i++) {
            long row = FloatLanes.getLong(indices, iOff + i);
            if (row < 0 || row >= v) {
                throw new IllegalArgumentException("indices[" + i + "] must be in [0, " + v + "), got " + row);
            }
        }
        long previous = 0;
        for (long b = 0; b < bags; b++) {
            long start = FloatLanes.getLong(offsets, oOff + b);
            if (b == 0 ? start != 0 : start < previous || start > count) {
                throw new IllegalArgumentException("offsets must start at 0 and not decrease, within [0, " + count
                        + "]; offsets[" + b + "] is " + start + (b > 0 ? " after " + previous : ""));
            }
            previous = start;
        }
        if (bags > 0 && (lastEnd < previous || lastEnd > count)) {
            throw new IllegalArgumentException("the last bag must end within [" + previous + ", " + count + "], got " + lastEnd);
        }
    }
}
