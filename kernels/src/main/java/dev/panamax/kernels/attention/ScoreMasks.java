package dev.panamax.kernels.attention;

import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;

import dev.panamax.kernels.FloatLanes;

/**
 * Applies what hides keys from queries to a tile of scores ({@code [ROWS][COLUMNS]}, rows
 * {@code i0 ..}, keys {@code j0 ..}): keys past Tk and, when causal, keys after the query
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
