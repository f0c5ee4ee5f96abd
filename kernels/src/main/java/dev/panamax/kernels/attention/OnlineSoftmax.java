package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;
import static dev.panamax.kernels.gemm.MicroKernel.ROWS;

import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The online softmax of a tile (Milakov and Gimelshein; FlashAttention): each row keeps its running
 * maximum {@code m} and sum {@code l}; a new tile of scores raises the maximum to {@code m'},
 * rescales what was accumulated by {@code alpha = exp(m - m')}, and contributes
 * {@code p = exp(s - m')}. The probabilities are written transposed ({@code [COLUMNS][ROWS]}), the
 * A panel of the tile's {@code P V} product. A row that has seen only {@code -inf} scores keeps
 * {@code m = -inf} and contributes nothing (no NaN from {@code -inf - -inf}).
 */
final class OnlineSoftmax {

    /** Scatter offsets of one vector of a score row into the transposed tile. */
    private static final int[] TRANSPOSE = new int[LANES];

    static {
        for (int i = 0; i < LANES; i++) {
            TRANSPOSE[i] = i * ROWS;
        }
    }

    private OnlineSoftmax() {
    }

    /** Starts the rows of a tile: {@code m = -inf}, {@code l = 0}. */
    static void start(float[] rowMax, float[] rowSum) {
        java.util.Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(rowSum, 0f);
    }

    /**
     * Folds a tile of scores into rows {@code 0 .. m-1}: updates {@code rowMax}, {@code rowSum},
     * writes {@code alpha} and the transposed probabilities (zero in rows {@code m ..}).
     */
    static void update(int m, float[] scores, float[] rowMax, float[] rowSum, float[] alpha, float[] probsT) {
        for (int r = 0; r < ROWS; r++) {
            if (r >= m) {
                for (int c = 0; c < COLUMNS; c++) {
                    probsT[c * ROWS + r] = 0f;
                }
                continue;
            }
            int at = r * COLUMNS;
            FloatVector mx = FloatVector.fromArray(SPECIES, scores, at);
            for (int c = LANES; c < COLUMNS; c += LANES) {
                mx = mx.max(FloatVector.fromArray(SPECIES, scores, at + c));
            }
            float old = rowMax[r];
            float next = Math.max(old, mx.reduceLanes(VectorOperators.MAX));
            if (next == Float.NEGATIVE_INFINITY) {
                alpha[r] = 1f;
                for (int c = 0; c < COLUMNS; c++) {
                    probsT[c * ROWS + r] = 0f;
                }
                continue;
            }
            float a = (float) Math.exp(old - next);
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int c = 0; c < COLUMNS; c += LANES) {
                FloatVector p = VectorMath.expNonPositive(FloatVector.fromArray(SPECIES, scores, at + c).sub(next));
                sum = sum.add(p);
                p.intoArray(probsT, c * ROWS + r, TRANSPOSE, 0);
            }
            rowMax[r] = next;
            rowSum[r] = rowSum[r] * a + sum.reduceLanes(VectorOperators.ADD);
            alpha[r] = a;
        }
    }
}
