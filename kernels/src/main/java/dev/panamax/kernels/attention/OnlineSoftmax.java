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
            old.sub(shift(next)).intoArray(alpha, q);        // the exponent of the rescaling, for now
            next.intoArray(colMax, q);
        }
        // 32 scalar exps per block: a second vector exp call site in this method would not be inlined
        // (C2's node budget) and its vectors would be boxed, megabytes per call
        for (int q = 0; q < COLUMNS; q++) {
            alpha[q] = (float) Math.exp(alpha[q]);
        }
        for (int q = 0; q < COLUMNS; q += LANES) {
            FloatVector shift = shift(FloatVector.fromArray(SPECIES, colMax, q));
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int k = 0; k < kb; k++) {
                int at = k * COLUMNS + q;
                FloatVector p = VectorMath.expNonPositive(FloatVector.fromArray(SPECIES, scoresT, at).sub(shift));
                p.intoArray(scoresT, at);
                sum = sum.add(p);
            }
            FloatVector.fromArray(SPECIES, colSum, q).fma(FloatVector.fromArray(SPECIES, alpha, q), sum).intoArray(colSum, q);
        }
    }

    /** The maximum the exponents are taken against: 0 for a query that has seen only {@code -inf}. */
    private static FloatVector shift(FloatVector max) {
        return max.blend(0f, max.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
    }
}
