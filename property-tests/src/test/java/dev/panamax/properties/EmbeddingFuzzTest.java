package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.embedding.Embedding;
import dev.panamax.kernels.embedding.EmbeddingBag;

/**
 * Embedding lookup and its scatter-add backward under fuzzed table sizes, index values (negative,
 * past the table, the padding row, repeated), offsets and segment sizes. An index outside the
 * table is an {@link IllegalArgumentException} before any write, never a read or a write of
 * another row; an accepted call gathers exactly, and the backward adds every non-padding row's
 * gradient into its table row.
 */
class EmbeddingFuzzTest {

    @FuzzTest
    void embedding(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int pass = f.pick(0, 1, 2);                      // forward, backward, max_norm's renorm
            boolean backward = pass == 1;
            long count = f.dim(12);
            long v = f.dim(9);
            long d = f.dim(40);
            long padding = f.bool() ? Embedding.NO_PADDING : f.dim(9);
            long iOff = f.offset();
            long wOff = f.offset();
            long yOff = f.offset();
            MemorySegment indices = f.longs(footprint(iOff, count, 1), 0, Math.max(0, v - 1));
            if (indices != null && f.bool()) {
                long at = f.nextInt((int) (indices.byteSize() / Long.BYTES + 1));
                if (at < indices.byteSize() / Long.BYTES) {
                    indices.setAtIndex(ValueLayout.JAVA_LONG, at, f.bool() ? -1 - f.nextInt(3) : v + f.nextInt(3));
                }
            }
            MemorySegment table = f.floats(footprint(wOff, v * d, 1));
            MemorySegment rows = f.floats(footprint(yOff, count * d, 1));
            String what = "embedding count " + count + " V " + v + " D " + d;
            if (pass == 2) {
                double maxNorm = Math.abs(f.scalar()) * 2;
                double p = new double[] {1, 2, 3, Double.POSITIVE_INFINITY}[f.nextInt(4)];
                MemorySegment before = table == null ? null : arena.allocate(table.byteSize()).copyFrom(table);
                MemorySegment visited = f.bool() ? null : arena.allocate(Math.max(0, Math.min(v, 1 << 20)) + f.nextInt(3));
                if (FuzzArgs.accepted(() -> Embedding.renorm(count, v, d, indices, iOff, table, wOff, maxNorm, p, visited, 0),
                        table)) {
                    renormed(what + " max_norm " + maxNorm + " p " + p, count, v, d, indices, iOff, before, table, wOff, maxNorm, p);
                }
                return;
            }
            if (!backward) {
                if (FuzzArgs.accepted(() -> Embedding.forward(count, v, d, indices, iOff, table, wOff, rows, yOff), rows)) {
                    for (long i = 0; i < count; i++) {
                        long row = index(what, indices, iOff + i, v);
                        for (long k = 0; k < d; k++) {
                            FuzzArgs.close(what + " y[" + i + "][" + k + "]", at(rows, yOff + i * d + k), at(table, wOff + row * d + k), 0);
                        }
                    }
                }
                return;
            }
            MemorySegment before = table == null ? null : arena.allocate(table.byteSize()).copyFrom(table);
            MemorySegment frequency = f.bool() ? null : f.longs(footprint(0, v, 1), 0, 0);
            if (FuzzArgs.accepted(() -> Embedding.backward(count, v, d, indices, iOff, rows, yOff, padding, frequency, 0, table,
                    wOff), table)) {
                long[] counts = frequency == null ? null : new long[(int) v];   // v then fits the scratch segment
                for (long i = 0; counts != null && i < count; i++) {
                    counts[(int) index(what, indices, iOff + i, v)]++;
                }
                double[] want = new double[(int) (v * d)];
                for (int e = 0; e < want.length; e++) {
                    want[e] = at(before, wOff + e);
                }
                for (long i = 0; i < count; i++) {
                    long row = index(what, indices, iOff + i, v);
                    if (row != padding) {
                        for (long k = 0; k < d; k++) {
                            want[(int) (row * d + k)] += at(rows, yOff + i * d + k) / (counts == null ? 1 : counts[(int) row]);
                        }
                    }
                }
                for (int e = 0; e < want.length; e++) {
                    FuzzArgs.close(what + " gWeight[" + e + "]", at(table, wOff + e), want[e], count);
                }
            }
        }
    }

    /**
     * After max_norm's renorm: every named row has a p-norm of at most {@code maxNorm} (to float
     * rounding) and points as before (a factor in (0, 1]), rows within the bound and rows not named
     * are unchanged.
     */
    private static void renormed(String what, long count, long v, long d, MemorySegment indices, long iOff,
                                 MemorySegment before, MemorySegment table, long wOff, double maxNorm, double p) {
        if (d == 0) {
            return;                                       // no values, however many rows (v may then be any size)
        }
        boolean[] named = new boolean[(int) v];
        for (long i = 0; i < count; i++) {
            named[(int) index(what, indices, iOff + i, v)] = true;
        }
        for (int row = 0; row < v; row++) {
            double norm = 0;
            double normBefore = 0;
            for (long k = 0; k < d; k++) {
                double e = Math.abs(at(table, wOff + row * d + k));
                double b = Math.abs(at(before, wOff + row * d + k));
                norm = Double.isInfinite(p) ? Math.max(norm, e) : norm + Math.pow(e, p);
                normBefore = Double.isInfinite(p) ? Math.max(normBefore, b) : normBefore + Math.pow(b, p);
            }
            norm = Double.isInfinite(p) ? norm : Math.pow(norm, 1 / p);
            normBefore = Double.isInfinite(p) ? normBefore : Math.pow(normBefore, 1 / p);
            boolean scaled = named[row] && normBefore > maxNorm;
            if (scaled && norm > maxNorm * (1 + 1e-5) + 1e-30) {
                throw new AssertionError(what + ": row " + row + " has norm " + norm + " after renorm");
            }
            double factor = scaled ? norm / normBefore : 1;
            for (long k = 0; k < d; k++) {
                FuzzArgs.close(what + " row " + row + "[" + k + "]", at(table, wOff + row * d + k),
                        at(before, wOff + row * d + k) * factor, 1);
            }
        }
    }

    /**
     * Bags under fuzzed offsets (not starting at 0, decreasing, past the indices), modes, padding
     * rows, per-sample weights (refused but for SUM) and segment sizes: a refusal writes nothing; an
     * accepted forward gives each bag's sum, mean or maximum of its non-padding rows, and an accepted
     * SUM or MEAN backward adds each row's share of its bag's gradient.
     */
    @FuzzTest
    void embeddingBag(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            EmbeddingBag.Mode mode = EmbeddingBag.Mode.values()[f.pick(0, 1, 2)];
            int pass = f.pick(0, 1, 2);                      // forward, backward, max_norm's renorm
            boolean backward = pass == 1;
            long count = f.dim(12);
            long bags = f.dim(5);
            long v = f.dim(9);
            long d = f.dim(20);
            long padding = f.bool() ? Embedding.NO_PADDING : f.dim(9);
            long iOff = f.offset();
            long oOff = f.offset();
            long tOff = f.offset();
            long yOff = f.offset();
            MemorySegment indices = f.longs(footprint(iOff, count, 1), 0, Math.max(0, v - 1));
            MemorySegment offsets = f.longs(footprint(oOff, bags, 1), 0, count);
            if (offsets != null && oOff >= 0 && f.bool()) {    // mostly well-formed: sorted, starting at 0
                long[] sorted = offsets.toArray(ValueLayout.JAVA_LONG);
                java.util.Arrays.sort(sorted, (int) Math.min(oOff, sorted.length), sorted.length);
                if (oOff < sorted.length) {
                    sorted[(int) oOff] = 0;
                }
                MemorySegment.copy(sorted, 0, offsets, ValueLayout.JAVA_LONG, 0, sorted.length);
            }
            long lastEnd = f.bool() ? count : f.dim(14);
            MemorySegment weights = f.bool() ? f.floats(footprint(0, count, 1)) : null;
            MemorySegment table = f.floats(footprint(tOff, v * d, 1));
            MemorySegment y = f.floats(footprint(yOff, bags * d, 1));
            MemorySegment argmax = mode == EmbeddingBag.Mode.MAX ? f.longs(footprint(0, bags * d, 1), -1, Math.max(0, v - 1)) : null;
            String what = "embedding_bag " + mode + " bags " + bags + " count " + count + " V " + v + " D " + d;
            if (!backward) {
                if (FuzzArgs.accepted(() -> EmbeddingBag.forward(mode, bags, count, v, d, indices, iOff, offsets, oOff, lastEnd,
                        weights, 0, padding, table, tOff, y, yOff, argmax, 0), y, argmax)) {
                    for (long b = 0; b < bags; b++) {
                        long start = offsets.getAtIndex(ValueLayout.JAVA_LONG, oOff + b);
                        long end = b + 1 < bags ? offsets.getAtIndex(ValueLayout.JAVA_LONG, oOff + b + 1) : lastEnd;
                        for (long k = 0; k < d; k++) {
                            double want = mode == EmbeddingBag.Mode.MAX ? Double.NEGATIVE_INFINITY : 0;
                            double magnitude = 0;
                            int taken = 0;
                            for (long i = start; i < end; i++) {
                                long row = index(what, indices, iOff + i, v);
                                if (row != padding) {
                                    taken++;
                                    double x = at(table, tOff + row * d + k) * (weights == null ? 1 : at(weights, i));
                                    want = mode == EmbeddingBag.Mode.MAX ? Math.max(want, x) : want + x;
                                    magnitude += Math.abs(x);
                                }
                            }
                            want = taken == 0 ? 0 : mode == EmbeddingBag.Mode.MEAN ? want / taken : want;
                            double sumBound = mode == EmbeddingBag.Mode.MAX || taken == 0 ? 0
                                    : recursiveSumBound(taken, magnitude) / (mode == EmbeddingBag.Mode.MEAN ? taken : 1);
                            FuzzArgs.close(what + " y[" + b + "][" + k + "]", at(y, yOff + b * d + k), want, taken + sumBound);
                        }
                    }
                }
                return;
            }
            if (mode == EmbeddingBag.Mode.MAX) {
                FuzzArgs.accepted(() -> EmbeddingBag.backward(mode, bags, count, v, d, indices, iOff, offsets, oOff, lastEnd,
                        weights, 0, padding, table, tOff, y, yOff, argmax, 0, table, tOff, null, 0), table);
                return;
            }
            MemorySegment gTable = f.floats(footprint(0, v * d, 1));
            MemorySegment before = gTable == null ? null : arena.allocate(gTable.byteSize()).copyFrom(gTable);
            if (FuzzArgs.accepted(() -> EmbeddingBag.backward(mode, bags, count, v, d, indices, iOff, offsets, oOff, lastEnd,
                    weights, 0, padding, table, tOff, y, yOff, null, 0, gTable, 0, null, 0), gTable)) {
                double[] want = new double[(int) (v * d)];
                double[] magnitude = new double[want.length];
                for (int e = 0; e < want.length; e++) {
                    want[e] = at(before, e);
                    magnitude[e] = Math.abs(want[e]);
                }
                for (long b = 0; b < bags; b++) {
                    long start = offsets.getAtIndex(ValueLayout.JAVA_LONG, oOff + b);
                    long end = b + 1 < bags ? offsets.getAtIndex(ValueLayout.JAVA_LONG, oOff + b + 1) : lastEnd;
                    int taken = 0;
                    for (long i = start; i < end; i++) {
                        taken += index(what, indices, iOff + i, v) == padding ? 0 : 1;
                    }
                    for (long i = start; i < end; i++) {
                        long row = index(what, indices, iOff + i, v);
                        if (row == padding) {
                            continue;
                        }
                        double share = weights != null ? at(weights, i) : mode == EmbeddingBag.Mode.MEAN ? 1.0 / taken : 1;
                        for (long k = 0; k < d; k++) {
                            double add = share * at(y, yOff + b * d + k);
                            want[(int) (row * d + k)] += add;
                            magnitude[(int) (row * d + k)] += Math.abs(add);
                        }
                    }
                }
                for (int e = 0; e < want.length; e++) {
                    FuzzArgs.close(what + " gTable[" + e + "]", at(gTable, e), want[e],
                            count + recursiveSumBound(count + 1, magnitude[e]));
                }
            }
        }
    }

    /**
     * The error bound of n float additions in a row ({@code n 2^-24 sum |x|}, twice that for the
     * products' own rounding), in units of {@link FuzzArgs#close}'s 1e-4: a bag of thousands of
     * equal rows drifts by that much in float, in PyTorch's kernel as in this one.
     */
    private static double recursiveSumBound(long n, double magnitude) {
        return n * magnitude * 0x1p-23 / 1e-4;
    }

    private static long index(String what, MemorySegment indices, long at, long v) {
        long row = indices.getAtIndex(ValueLayout.JAVA_LONG, at);
        if (row < 0 || row >= v) {
            throw new AssertionError(what + ": accepted index " + row + " outside the table");
        }
        return row;
    }
}
