package dev.panamax.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Argument validation shared by every kernel entry point. Each failure names the argument,
 * the expected and the actual value, so that a bad call is diagnosed without a debugger.
 * Validation runs once per call, never inside a loop.
 */
public final class Checks {

    private Checks() {
    }

    /** Fails unless {@code value >= 0}. */
    public static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    /** Fails unless {@code value >= 1}. */
    public static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** Fails unless {@code value >= min}, describing {@code min} as {@code what}. */
    public static void atLeast(String name, long value, long min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + what + " (" + min + "), got " + value);
        }
    }

    /** Fails unless the segment is not null. */
    public static void notNull(String name, MemorySegment segment) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    /**
     * Checks that {@code n} elements of {@code elementBytes} bytes each, starting at element
     * {@code offset} and {@code stride} elements apart, lie inside the segment.
     */
    public static void extent(String name, MemorySegment segment, long offset, long n, long stride,
                              int elementBytes) {
        notNull(name, segment);
        if (offset < 0) {
            throw new IllegalArgumentException(name + " offset must be >= 0, got " + offset);
        }
        if (n < 0) {
            throw new IllegalArgumentException(name + " element count must be >= 0, got " + n);
        }
        if (n == 0) {
            return;
        }
        if (stride < 1) {
            throw new IllegalArgumentException(name + " stride must be >= 1, got " + stride);
        }
        long last = Math.addExact(offset, Math.multiplyExact(n - 1, stride));
        long capacity = segment.byteSize() / elementBytes;
        if (last >= capacity) {
            throw new IllegalArgumentException(name + " needs elements up to index " + last
                    + " (offset " + offset + ", " + n + " elements, stride " + stride
                    + ") but its segment holds " + capacity + " elements");
        }
    }

    /** {@link #extent} for float32 data. */
    public static void floats(String name, MemorySegment segment, long offset, long n, long stride) {
        extent(name, segment, offset, n, stride, Float.BYTES);
    }

    /** {@link #extent} for contiguous float32 data. */
    public static void floats(String name, MemorySegment segment, long offset, long n) {
        extent(name, segment, offset, n, 1, Float.BYTES);
    }

    /** {@link #extent} for contiguous int64 data. */
    public static void longs(String name, MemorySegment segment, long offset, long n) {
        extent(name, segment, offset, n, 1, Long.BYTES);
    }
}
