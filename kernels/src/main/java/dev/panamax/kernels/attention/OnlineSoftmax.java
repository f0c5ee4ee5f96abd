package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;

import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The online softmax of a block of scores (Milakov and Gimelshein; FlashAttention): each query
 * keeps its running maximum {@code m} and sum {@code l}; a new block of keys raises the maximum
 * to {@code m'}, rescales what was accumulated by {@code alpha = exp(m - m')}, and contributes
 * {@code p = exp(s - m')}.
 *
 * <p>The block is transposed, keys by queries ({@code [kb][COLUMNS]}): a vector holds one key's
 * scores for 16 queries, so the maxima and sums over keys are plain vector operations down the
 * block, with no reduction across lanes and no scatter, and the probabilities, written in place,
 * are already the B panel of the block's {@code V^T P^T} product. A query that has seen only
 * {@code -inf} scores keeps {@code m = -inf} and gains nothing (its exponents are taken against
 * 0, not {@code -inf - -inf}).
 */
final class OnlineSoftmax {

    private static final FloatVector ZERO = FloatVector.zero(SPECIES);

    private OnlineSoftmax() {
    }

    /** Starts the queries of a block: {@code m = -inf}, {@code l = 0}. */
    static void start(float[] colMax, float[] colSum) {
        java.util.Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(colSum, 0f);
    }

    /**
     * Folds rows {@code 0 .. kb-1} of {@code scoresT} into every query: updates {@code colMax},
     * {@code colSum}, writes {@code alpha} and turns the scores into probabilities in place.
     */
    static void update(int kb, float[] scoresT, float[] colMax, float[] colSum, float[] alpha) {
        for (int q = 0; q < COLUMNS; q += LANES) {
            FloatVector mx = FloatVector.fromArray(SPECIES, scoresT, q);
            for (int k = 1; k < kb; k++) {
                mx = mx.max(FloatVector.fromArray(SPECIES, scoresT, k * COLUMNS + q));
            }
            FloatVector old = FloatVector.fromArray(SPECIES, colMax, q);
            FloatVector next = old.max(mx);
            FloatVector shift = next.blend(ZERO, next.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            FloatVector a = VectorMath.expNonPositive(old.sub(shift));
            FloatVector sum = ZERO;
            for (int k = 0; k < kb; k++) {
                int at = k * COLUMNS + q;
                FloatVector p = VectorMath.expNonPositive(FloatVector.fromArray(SPECIES, scoresT, at).sub(shift));
                p.intoArray(scoresT, at);
                sum = sum.add(p);
            }
            next.intoArray(colMax, q);
            FloatVector.fromArray(SPECIES, colSum, q).fma(a, sum).intoArray(colSum, q);
            a.intoArray(alpha, q);
        }
    }
}
