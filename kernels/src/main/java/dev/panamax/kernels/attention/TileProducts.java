package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;
import static dev.panamax.kernels.gemm.MicroKernel.ROWS;

import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * The elementwise steps of an attention tile backward, between its micro-kernel products: the
 * probabilities recomputed from the saved log-sum-exp, {@code P = exp(S - lse)}; the rows' sums
 * of {@code P dP} and {@code P} and the delta made from them; the gradient of the scores,
 * {@code dS = P (dP - delta)}, written row-major (the B panel of {@code dK^T}) and transposed (the
 * A panel of {@code dQ}); and the accumulation of a product tile into a larger array.
 */
final class TileProducts {

    private TileProducts() {
    }

    /** {@code scores[r][c] = exp(scores[r][c] - lse[r])} in place for rows below m, zero below. */
    static void probabilities(int m, float[] scores, float[] lse) {
        for (int r = 0; r < ROWS; r++) {
            int at = r * COLUMNS;
            for (int c = 0; c < COLUMNS; c += LANES) {
                FloatVector p = r < m ? VectorMath.expNonPositive(FloatVector.fromArray(SPECIES, scores, at + c).sub(lse[r]))
                        : FloatVector.zero(SPECIES);
                p.intoArray(scores, at + c);
            }
        }
    }

    /** {@code dS = P (dP - delta)}: into {@code grad} row-major and {@code gradT} transposed ({@code [COLUMNS][ROWS]}). */
    static void scoreGradient(float[] probs, float[] dp, float[] delta, float[] grad, float[] gradT) {
        for (int r = 0; r < ROWS; r++) {
            int at = r * COLUMNS;
            for (int c = 0; c < COLUMNS; c += LANES) {
                FloatVector g = FloatVector.fromArray(SPECIES, dp, at + c).sub(delta[r])
                        .mul(FloatVector.fromArray(SPECIES, probs, at + c));
                g.intoArray(grad, at + c);
            }
            for (int c = 0; c < COLUMNS; c++) {
                gradT[c * ROWS + r] = grad[at + c];
            }
        }
    }

    /** Per row r of the tiles, {@code dots[r][..] += P dP} and {@code sums[r][..] += P} lane by lane. */
    static void addRowSums(float[] probs, float[] dp, float[] dots, float[] sums) {
        for (int r = 0; r < ROWS; r++) {
            FloatVector dot = FloatVector.fromArray(SPECIES, dots, r * LANES);
            FloatVector sum = FloatVector.fromArray(SPECIES, sums, r * LANES);
            for (int c = 0; c < COLUMNS; c += LANES) {
                FloatVector p = FloatVector.fromArray(SPECIES, probs, r * COLUMNS + c);
                dot = p.fma(FloatVector.fromArray(SPECIES, dp, r * COLUMNS + c), dot);
                sum = sum.add(p);
            }
            dot.intoArray(dots, r * LANES);
            sum.intoArray(sums, r * LANES);
        }
    }

    /**
     * {@code delta[r] = sum P dP / sum P} for the rows below m (0 for the tile's rows from m on and
     * for rows that see no key), the lanes of {@link #addRowSums} added in double. This delta makes
     * each row of {@code dS = P (dP - delta)} sum to zero with the P and dP the tile computed, as
     * the softmax's gradient does in exact arithmetic; {@code dO . O}, equal in exact arithmetic,
     * differs from it by dP's rounding and O's, an error in every element of the row that scale
     * and k then magnify (dq 3.1e-4 off at scale 60, D = 128, where PyTorch's float is 2e-5 off).
     * Divided by {@code sum P}, which the rounding of the saved log-sum-exp moves from 1 by up to
     * its magnitude times 2^-24 (3e-5 where the scores reach 500).
     */
    static void consistentDelta(int m, float[] dots, float[] sums, float[] delta) {
        for (int r = 0; r < ROWS; r++) {
            double dot = 0;
            double sum = 0;
            for (int l = r * LANES; l < (r + 1) * LANES; l++) {
                dot += dots[l];
                sum += sums[l];
            }
            delta[r] = r < m && sum > 0 ? (float) (dot / sum) : 0f;
        }
    }

    /** {@code dst[(row0 + r) ld + col0 ..] += tile[r][..]} for {@code rows} rows of the tile, {@code COLUMNS} wide. */
    static void add(float[] tile, int rows, float[] dst, int row0, int ld, int col0) {
        for (int r = 0; r < rows; r++) {
            int to = (row0 + r) * ld + col0;
            for (int c = 0; c < COLUMNS; c += LANES) {
                FloatVector.fromArray(SPECIES, dst, to + c).add(FloatVector.fromArray(SPECIES, tile, r * COLUMNS + c))
                        .intoArray(dst, to + c);
            }
        }
    }
}
