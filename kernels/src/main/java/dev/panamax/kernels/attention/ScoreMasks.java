package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * Applies what hides keys from queries to a block of scores: the forward's, transposed (keys by
 * queries), and the backward's tiles ({@code [ROWS][COLUMNS]}, rows {@code i0 ..}, keys
 * {@code j0 ..}): keys past Tk and, when causal, keys after the query
 * ({@code j > i}) become {@code -inf}; the additive masks are added. Only tiles that need it pay:
 * the caller skips this for whole, unmasked tiles below the diagonal.
 */
final class ScoreMasks {

    private ScoreMasks() {
    }

    /** Whether the tile needs {@link #apply}. */
    static boolean needed(AttentionShape s, AttentionMasks masks, int i0, int j0) {
        return masks.any() || j0 + COLUMNS > s.keys() || (s.causal() && j0 + COLUMNS - 1 > i0 + s.causalOffset());
    }

    /**
     * Whether a forward block of keys {@code j0 .. j0 + kb - 1} against queries {@code i0 ..} needs
     * {@link #applyTransposed}: masks, or (causal) a key the block's first query does not see.
     */
    static boolean neededTransposed(AttentionShape s, AttentionMasks masks, int i0, int j0, int kb) {
        return masks.any() || (s.causal() && j0 + kb - 1 > i0 + s.causalOffset());
    }

    /**
     * The forward's masking of a block of scores transposed, {@code [kb][COLUMNS]} (key rows
     * {@code j0 ..}, query columns {@code i0 ..}; keys past Tk never enter a block): a causal key
     * is hidden from the queries before it ({@code q < j - offset - i0}), the key-padding mask is
     * one value per row, the additive mask is read down its columns.
     */
    static void applyTransposed(AttentionShape s, AttentionMasks masks, int n, int i0, int m, int j0, int kb,
                                float[] scoresT) {
        for (int k = 0; k < kb; k++) {
            int j = j0 + k;
            int at = k * COLUMNS;
            if (masks.keyPadding() != null) {
                float pad = FloatLanes.get(masks.keyPadding(), masks.keyPaddingOffset() + n * masks.keyPaddingStride() + j);
                for (int q = 0; q < COLUMNS; q += LANES) {
                    FloatVector.fromArray(SPECIES, scoresT, at + q).add(pad).intoArray(scoresT, at + q);
                }
            }
            if (masks.attn() != null) {
                long col = masks.attnOffset() + (long) i0 * masks.attnStride() + j;
                for (int q = 0; q < m; q++) {
                    scoresT[at + q] += FloatLanes.get(masks.attn(), col + q * masks.attnStride());
                }
            }
            if (s.causal()) {
                // query i0 + q sees key j when j <= i0 + q + offset
                int hidden = (int) Math.min(COLUMNS, Math.max(0L, (long) j - s.causalOffset() - i0));
                for (int q = 0; q < hidden; q++) {
                    scoresT[at + q] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    static void apply(AttentionShape s, AttentionMasks masks, int n, int i0, int m, int j0, float[] scores) {
        int cols = Math.min(COLUMNS, s.keys() - j0);
        for (int r = 0; r < m; r++) {
            int i = i0 + r;
            int visible = Math.min(cols, s.visibleKeys(i) - j0);     // keys j0 + c with c < visible are seen
            int at = r * COLUMNS;
            long maskRow = masks.attn() == null ? 0 : masks.attnOffset() + i * masks.attnStride() + j0;
            long padRow = masks.keyPadding() == null ? 0 : masks.keyPaddingOffset() + n * masks.keyPaddingStride() + j0;
            for (int c = 0; c < COLUMNS; c++) {
                if (c >= visible) {
                    scores[at + c] = Float.NEGATIVE_INFINITY;
                } else {
                    float add = 0f;
                    if (masks.attn() != null) {
                        add += FloatLanes.get(masks.attn(), maskRow + c);
                    }
                    if (masks.keyPadding() != null) {
                        add += FloatLanes.get(masks.keyPadding(), padRow + c);
                    }
                    scores[at + c] += add;
                }
            }
        }
    }
}
