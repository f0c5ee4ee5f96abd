package dev.panamax.kernels.attention;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;

/**
 * Copies of one head's tensors in the micro-kernel's panel layouts, made once per head and read by
 * every tile of it. A panel of {@code width} tokens holds its tokens interleaved feature by feature
 * ({@link #transposed}: the forward's K as A panels of {@code ROWS} keys, the backward's K^T and
 * V^T as B panels of {@code COLUMNS} keys); a panel of {@code width} features holds them token by
 * token ({@link #columns}: V^T as A panels of {@code ROWS} features, the backward's K as B panels);
 * a block of queries as one panel ({@link #tile}). Padding (tokens past T, features past D or Dv,
 * rows past the block) is zero.
 */
final class HeadPanels {

    private HeadPanels() {
    }

    /** {@code dst[p][d][c] = x[n, h, p width + c, d]}: the transpose of a head, in panels of {@code width} tokens. */
    static void transposed(HeadLayout x, int n, int h, int tokens, int features, int width, float[] dst) {
        int panels = (tokens + width - 1) / width;
        for (int p = 0; p < panels; p++) {
            int base = p * features * width;
            for (int c = 0; c < width; c++) {
                int t = p * width + c;
                if (t < tokens) {
                    long row = x.at(n, h, t);
                    for (int d = 0; d < features; d++) {
                        dst[base + d * width + c] = FloatLanes.get(x.segment(), row + d);
                    }
                } else {
                    for (int d = 0; d < features; d++) {
                        dst[base + d * width + c] = 0f;
                    }
                }
            }
        }
    }

    /**
     * {@code dst[q][t][c] = x[n, h, t, q width + c]}: a head in panels of {@code width} features,
     * each {@code rows} tokens long (tokens past T zero).
     */
    static void columns(HeadLayout x, int n, int h, int tokens, int rows, int features, int width, float[] dst) {
        int panels = (features + width - 1) / width;
        for (int t = 0; t < rows; t++) {
            long row = t < tokens ? x.at(n, h, t) : -1;
            for (int q = 0; q < panels; q++) {
                int base = (q * rows + t) * width;
                for (int c = 0; c < width; c++) {
                    int f = q * width + c;
                    dst[base + c] = row >= 0 && f < features ? FloatLanes.get(x.segment(), row + f) : 0f;
                }
            }
        }
    }

    /**
     * {@code dst[d][r] = scale x[n, h, i0 + r, d]} for the {@code m} rows of a block of {@code width},
     * zero below; each row read in one bulk copy into {@code row} (element reads would each be checked).
     */
    static void tile(HeadLayout x, int n, int h, int i0, int m, int features, float scale, int width, float[] row, float[] dst) {
        for (int r = 0; r < width; r++) {
            if (r < m) {
                MemorySegment.copy(x.segment(), FloatLanes.FLOAT, x.at(n, h, i0 + r) * Float.BYTES, row, 0, features);
                for (int d = 0; d < features; d++) {
                    dst[d * width + r] = row[d] * scale;
                }
            } else {
                for (int d = 0; d < features; d++) {
                    dst[d * width + r] = 0f;
                }
            }
        }
    }
}
