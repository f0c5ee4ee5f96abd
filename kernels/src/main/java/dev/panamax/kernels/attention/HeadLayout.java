package dev.panamax.kernels.attention;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;

/**
 * Where a per-head tensor {@code [N, heads, T, features]} lies: element {@code (n, h, t, f)} at
 * {@code offset + n batchStride + h headStride + t tokenStride + f}. Features are contiguous;
 * the other strides are free, so the heads of a multi-head attention's projection
 * ({@code [N, T, heads * features]}: strides {@code (T E, features, E)}) are read in place.
 */
public record HeadLayout(MemorySegment segment, long offset, long batchStride, long headStride, long tokenStride) {

    /** A contiguous {@code [N, heads, T, features]} tensor at {@code offset}. */
    public static HeadLayout contiguous(MemorySegment segment, long offset, int heads, int tokens, int features) {
        return new HeadLayout(segment, offset, (long) heads * tokens * features, (long) tokens * features, features);
    }

    /** The heads of a batch-first {@code [N, T, heads * features]} tensor (column block h of every token is head h). */
    public static HeadLayout batchFirst(MemorySegment segment, long offset, int heads, int tokens, int features, long rowStride) {
        return new HeadLayout(segment, offset, tokens * rowStride, features, rowStride);
    }

    long at(int n, int h, int t) {
        return offset + n * batchStride + h * headStride + t * tokenStride;
    }

    /** Checks that {@code [n, heads, tokens, features]} lies inside the segment, naming the tensor. */
    void check(String name, int n, int heads, int tokens, int features, boolean written) {
        Checks.notNull(name, segment);
        if (offset < 0 || batchStride < 0 || headStride < 0 || tokenStride < 0) {
            throw new IllegalArgumentException(name + " offset and strides must be >= 0, got " + this);
        }
        if (n == 0 || tokens == 0) {
            return;
        }
        if (written) {
            Checks.nonOverlapping(name, features, n, batchStride, heads, headStride, tokens, tokenStride);
        }
        long last;
        try {
            last = Math.addExact(Math.addExact(offset, Math.multiplyExact(n - 1L, batchStride)),
                    Math.addExact(Math.multiplyExact(heads - 1L, headStride),
                            Math.addExact(Math.multiplyExact(tokens - 1L, tokenStride), features - 1L)));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + " [" + n + ", " + heads + ", " + tokens + ", " + features + "] with "
                    + this + " reaches beyond any segment");
        }
        long capacity = segment.byteSize() / Float.BYTES;
        if (last >= capacity) {
            throw new IllegalArgumentException(name + " [" + n + ", " + heads + ", " + tokens + ", " + features + "] with strides ("
                    + batchStride + ", " + headStride + ", " + tokenStride + ", 1) at offset " + offset + " needs " + (last + 1)
                    + " floats; its segment holds " + capacity);
        }
    }

    /** Writes zeros over {@code [n, heads, tokens, features]}. */
    void zero(int n, int heads, int tokens, int features) {
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < tokens; t++) {
                    dev.panamax.kernels.FloatLanes.fill(segment, at(b, h, t), features, 0f);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "HeadLayout[offset " + offset + ", strides (" + batchStride + ", " + headStride + ", " + tokenStride + ", 1)]";
    }
}
