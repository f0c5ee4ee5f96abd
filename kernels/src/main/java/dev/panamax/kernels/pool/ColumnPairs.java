package dev.panamax.kernels.pool;

import static dev.panamax.kernels.FloatLanes.LANES;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.VectorShuffle;

/**
 * Shuffles for 2 x 2 / stride-2 pooling: 2 {@code LANES} consecutive input columns are loaded as
 * two vectors, and {@link #EVEN} / {@link #ODD} split them into the left and right column of each
 * of {@code LANES} windows (one two-vector permute each).
 */
final class ColumnPairs {

    /** Columns {@code 0, 2, 4, ...} of the pair of vectors {@code (this, other)}. */
    static final VectorShuffle<Float> EVEN = split(0);
    /** Columns {@code 1, 3, 5, ...} of the pair of vectors. */
    static final VectorShuffle<Float> ODD = split(1);

    private ColumnPairs() {
    }

    private static VectorShuffle<Float> split(int first) {
        int[] idx = new int[LANES];
        for (int k = 0; k < LANES; k++) {
            // indexes past the first vector are written as negative: they take from the second
            idx[k] = k < LANES / 2 ? 2 * k + first : 2 * k + first - 2 * LANES;
        }
        return VectorShuffle.fromArray(FloatLanes.SPECIES, idx, 0);
    }
}
