package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;

/** Copies between a caller's {@code [T, N, F]} tensor (any strides) and the packed-sequence rows. */
final class PackedRows {

    private PackedRows() {
    }

    /** Packed row {@code start[t] + j} = {@code x[t, order[j], :]} for every running row. */
    static void gather(PackedSequences seq, MemorySegment x, long xOff, long strideT, long strideN, int features,
                       MemorySegment dst, long dstAt) {
        long bytes = (long) features * Float.BYTES;
        for (int t = 0; t < seq.steps; t++) {
            for (int j = 0; j < seq.active[t]; j++) {
                long from = xOff + t * strideT + seq.order[j] * strideN;
                MemorySegment.copy(x, from * Float.BYTES, dst, (dstAt + (long) (seq.start[t] + j) * features) * Float.BYTES,
                        bytes);
            }
        }
    }

    /** {@code y[t, order[j], :]} = packed row {@code start[t] + j}; zeros where a sequence has ended. */
    static void scatter(PackedSequences seq, MemorySegment src, long srcAt, int features, MemorySegment y, long yOff,
                        long strideT, long strideN) {
        long bytes = (long) features * Float.BYTES;
        for (int t = 0; t < seq.steps; t++) {
            for (int j = 0; j < seq.batch; j++) {
                long to = yOff + t * strideT + seq.order[j] * strideN;
                if (j < seq.active[t]) {
                    MemorySegment.copy(src, (srcAt + (long) (seq.start[t] + j) * features) * Float.BYTES, y,
                            to * Float.BYTES, bytes);
                } else {
                    FloatLanes.fill(y, to, features, 0f);
                }
            }
        }
    }
}
