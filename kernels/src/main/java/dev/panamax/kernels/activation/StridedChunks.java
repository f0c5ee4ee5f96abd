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

    private StridedChunks() {
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
