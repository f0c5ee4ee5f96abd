package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.embedding.Embedding;

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
            boolean backward = f.bool();
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
            if (FuzzArgs.accepted(() -> Embedding.backward(count, v, d, indices, iOff, rows, yOff, padding, table, wOff), table)) {
                double[] want = new double[(int) (v * d)];
                for (int e = 0; e < want.length; e++) {
                    want[e] = at(before, wOff + e);
                }
                for (long i = 0; i < count; i++) {
                    long row = index(what, indices, iOff + i, v);
                    if (row != padding) {
                        for (long k = 0; k < d; k++) {
                            want[(int) (row * d + k)] += at(rows, yOff + i * d + k);
                        }
                    }
                }
                for (int e = 0; e < want.length; e++) {
                    FuzzArgs.close(what + " gWeight[" + e + "]", at(table, wOff + e), want[e], count);
                }
            }
        }
    }

    private static long index(String what, MemorySegment indices, long at, long v) {
        long row = indices.getAtIndex(ValueLayout.JAVA_LONG, at);
        if (row < 0 || row >= v) {
            throw new AssertionError(what + ": accepted index " + row + " outside the table");
        }
        return row;
    }
}
