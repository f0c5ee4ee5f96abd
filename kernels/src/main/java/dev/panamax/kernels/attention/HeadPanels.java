package dev.panamax.kernels.attention;

import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;
import static dev.panamax.kernels.gemm.MicroKernel.ROWS;

import dev.panamax.kernels.FloatLanes;

/**
 * Copies of one head's tensors in the micro-kernel's panel layouts, made once per head and read by
 * every tile of it: {@code K^T} as B panels of {@code COLUMNS} keys ({@code [D][COLUMNS]} each), so
 * a tile of scores is one micro-kernel call; V as B panels of {@code COLUMNS} features
 * ({@code [keys][COLUMNS]} each), so a tile's {@code P V} is one call per panel; a tile of queries
 * as an A panel ({@code [D][ROWS]}). Padding (keys past Tk, features past D or Dv, rows past the
 * tile) is zero.
 */
final class HeadPanels {

    private HeadPanels() {
    }

    /** {@code dst[p][d][c] = x[n, h, p COLUMNS + c, d]}: the transpose of a head, in panels of tokens. */
    static void transposed(HeadLayout x, int n, int h, int tokens, int features, float[] dst) {
        int panels = AttentionWorkspace.panels(tokens);
        for (int p = 0; p < panels; p++) {
            int base = p * features * COLUMNS;
            for (int c = 0; c < COLUMNS; c++) {
                int t = p * COLUMNS + c;
                if (t < tokens) {
                    long row = x.at(n, h, t);
                    for (int d = 0; d < features; d++) {
                        dst[base + d * COLUMNS + c] = FloatLanes.get(x.segment(), row + d);
                    }
                } else {
                    for (int d = 0; d < features; d++) {
                        dst[base + d * COLUMNS + c] = 0f;
                    }
                }
            }
        }
    }

    /** {@code dst[q][t][c] = x[n, h, t, q COLUMNS + c]}: a head in panels of features, tokens padded to whole panels. */
    static void columns(HeadLayout x, int n, int h, int tokens, int features, float[] dst) {
        int rows = AttentionWorkspace.panels(tokens) * COLUMNS;
        int panels = AttentionWorkspace.padded(features) / COLUMNS;
        for (int t = 0; t < rows; t++) {
            long row = t < tokens ? x.at(n, h, t) : -1;
            for (int q = 0; q < panels; q++) {
                int base = (q * rows + t) * COLUMNS;
                for (int c = 0; c < COLUMNS; c++) {
                    int f = q * COLUMNS + c;
                    dst[base + c] = row >= 0 && f < features ? FloatLanes.get(x.segment(), row + f) : 0f;
                }
            }
        }
    }

    /** {@code dst[d][r] = scale x[n, h, i0 + r, d]} for the {@code m} rows of a tile, zero below. */
    static void tile(HeadLayout x, int n, int h, int i0, int m, int features, float scale, float[] dst) {
        for (int r = 0; r < ROWS; r++) {
            if (r < m) {
                long row = x.at(n, h, i0 + r);
                for (int d = 0; d < features; d++) {
                    dst[d * ROWS + r] = FloatLanes.get(x.segment(), row + d) * scale;
                }
            } else {
                for (int d = 0; d < features; d++) {
                    dst[d * ROWS + r] = 0f;
                }
            }
        }
    }
}
