package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;
import static dev.panamax.kernels.gemm.MicroKernel.ROWS;

import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * The elementwise steps of an attention tile backward, between its micro-kernel products: the
 * probabilities recomputed from the saved log-sum-exp, {@code P = exp(S - lse)}, and the gradient
 * of the scores, {@code dS = P (dP - delta)}, written row-major (the B panel of {@code dK^T}) and
 * transposed (the A panel of {@code dQ}); and the accumulation of a product tile into a larger
 * array.
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
