package dev.panamax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Off-heap float buffers for benchmarks, filled once (fresh pages cost ~2 µs each to touch). */
final class MemoryBuffers {

    private MemoryBuffers() {
    }

    static MemorySegment random(Arena arena, long n, long seed, double lo, double hi) {
        MemorySegment s = arena.allocate(n * Float.BYTES, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (lo + (hi - lo) * r.nextDouble()));
        }
        return s;
    }
}
