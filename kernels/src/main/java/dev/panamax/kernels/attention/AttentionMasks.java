package dev.panamax.kernels.attention;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;

/**
 * The additive masks an attention may take, each null when absent: {@code attn} {@code [Tq, Tk]}
 * (rows {@code attnStride} apart, broadcast over batch and heads), and {@code keyPadding}
 * {@code [N, Tk]} (rows {@code keyPaddingStride} apart, broadcast over heads and queries; 0 for a
 * key to attend, {@code -inf} for a padded one). Both are added to the scaled scores; a score of
 * {@code -inf} gives its key a weight of 0.
 */
public record AttentionMasks(MemorySegment attn, long attnOffset, long attnStride, MemorySegment keyPadding,
                             long keyPaddingOffset, long keyPaddingStride) {

    /** No mask. */
    public static final AttentionMasks NONE = new AttentionMasks(null, 0, 0, null, 0, 0);

    /** An additive {@code [Tq, Tk]} mask, rows {@code stride} apart. */
    public static AttentionMasks attn(MemorySegment mask, long offset, long stride) {
        return new AttentionMasks(mask, offset, stride, null, 0, 0);
    }

    /** This, with an additive key-padding mask {@code [N, Tk]}. */
    public AttentionMasks withKeyPadding(MemorySegment mask, long offset, long stride) {
        return new AttentionMasks(attn, attnOffset, attnStride, mask, offset, stride);
    }

    boolean any() {
        return attn != null || keyPadding != null;
    }

    void check(AttentionShape s) {
        if (attn != null && s.queries() > 0 && s.keys() > 0) {
            Checks.atLeast("attn mask row stride", attnStride, s.keys(), "Tk");
            try {
                Checks.matrix("attn mask", attn, attnOffset, s.queries(), s.keys(), attnStride);
            } catch (IllegalArgumentException e) {
                throw Checks.withShape(e, "attn mask", s.queries(), s.keys());
            }
        }
        if (keyPadding != null && s.batch() > 0 && s.keys() > 0) {
            Checks.atLeast("key padding mask row stride", keyPaddingStride, s.keys(), "Tk");
            try {
                Checks.matrix("key padding mask", keyPadding, keyPaddingOffset, s.batch(), s.keys(), keyPaddingStride);
            } catch (IllegalArgumentException e) {
                throw Checks.withShape(e, "key padding mask", s.batch(), s.keys());
            }
        }
    }
}
