package dev.panamax.kernels.activation;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;

/**
 * Per-thread scratch chunks for the elementwise kernels: the general strided path copies
 * strided elements into a contiguous chunk (small enough for L1), computes there with the
 * contiguous loop and copies back; the two-pass derivatives (GELU, Mish) keep a partial result
 * there. Chunks are native memory, allocated once per thread (so nothing is allocated in steady
 * state) and released with the thread by the automatic arena.
 */
final class StridedChunks {

    /** Elements per chunk: 4 KiB of floats, well inside L1. */
    static final int CHUNK = 1024;

    /** Three chunks per thread: two for a strided backward's inputs, one for a two-pass derivative. */
    private static final int CHUNKS = 3;

    private static final ThreadLocal<MemorySegment[]> SCRATCH = ThreadLocal.withInitial(() -> {
        MemorySegment all = Arena.ofAuto().allocate((long) CHUNKS * CHUNK * Float.BYTES, 64);
        MemorySegment[] chunks = new MemorySegment[CHUNKS];
        for (int i = 0; i < CHUNKS; i++) {
            chunks[i] = all.asSlice((long) i * CHUNK * Float.BYTES, (long) CHUNK * Float.BYTES);
        }
        return chunks;
    });

    /**
     * Per thread: a vector-sized tail of up to three operands ({@code 3 LANES} floats). The
     * elementwise kernels run their last partial vector through a second call of their
     * whole-vector loop on a zero-padded copy, made from the dispatching method. A masked copy
     * of a transcendental formula in the loop's own method, or a recursive call that C2 inlines
     * there, exceeded C2's inlining budget, and the vectors passed to the formula were boxed (96
     * to 384 bytes per call whenever the length was not a multiple of the vector). From the
     * dispatcher, the loop is a separate compiled method by the time the dispatcher is compiled,
     * too large to inline, and a call that passes segments, not vectors, boxes nothing.
     */
    private static final ThreadLocal<MemorySegment> TAIL = ThreadLocal.withInitial(
        () -> Arena.ofAuto().allocate(3L * FloatLanes.LANES * Float.BYTES, 64));

    private StridedChunks() {
    }

    /** The calling thread's operand tail: {@code 3 LANES} floats. */
    static MemorySegment tail() {
        return TAIL.get();
    }

    /** {@code count} (fewer than LANES) floats from {@code src} into a vector of {@code t} at {@code at}, zero after them. */
    static void padTail(MemorySegment src, long off, long count, MemorySegment t, long at) {
        MemorySegment.copy(src, off * Float.BYTES, t, at * Float.BYTES, count * Float.BYTES);
        for (long k = count; k < FloatLanes.LANES; k++) {
            FloatLanes.set(t, at + k, 0f);
        }
    }

    /**
     * Scratch chunk {@code which} (0, 1 or 2) of the calling thread. Kernels do not call each
     * other while holding a chunk, so each use is exclusive.
     */
    static MemorySegment scratch(int which) {
        return SCRATCH.get()[which];
    }

    static void gather(MemorySegment src, long off, long stride, int count, MemorySegment chunk) {
        for (int i = 0; i < count; i++) {
            FloatLanes.set(chunk, i, FloatLanes.get(src, off + i * stride));
        }
    }

    static void scatter(MemorySegment chunk, int count, MemorySegment dst, long off, long stride) {
        for (int i = 0; i < count; i++) {
            FloatLanes.set(dst, off + i * stride, FloatLanes.get(chunk, i));
        }
    }
}
