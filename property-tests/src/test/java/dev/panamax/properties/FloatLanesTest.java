package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.FloatLanes;

/**
 * The fixed-order lane sums: {@link FloatLanes#sumLanesOfSixteen} must give each accumulator's
 * sum in the tree order every kernel uses (lane i added to lane i ^ d for d = LANES/2 ... 1), bit
 * for bit, at whatever lane count this JVM runs (the narrow-vector executions cover 8 and 4).
 */
class FloatLanesTest {

    @Test
    void sixteenLaneSumsFollowTheFixedTree() {
        int lanes = FloatLanes.LANES;
        SplittableRandom r = new SplittableRandom(3);
        for (int round = 0; round < 200; round++) {
            float[] a = new float[16 * lanes];
            for (int i = 0; i < a.length; i++) {
                // mixed magnitudes, so that another order of the additions would round differently
                a[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-3, 6)));
            }
            float[] expected = new float[16];
            for (int acc = 0; acc < 16; acc++) {
                expected[acc] = tree(a, acc * lanes, lanes);
            }
            FloatLanes.sumLanesOfSixteen(a);
            for (int acc = 0; acc < 16; acc++) {
                assertThat(Float.floatToRawIntBits(a[acc])).as("round %d, accumulator %d: %s vs %s", round, acc, a[acc],
                        expected[acc]).isEqualTo(Float.floatToRawIntBits(expected[acc]));
            }
        }
    }

    /** The reference tree: t[i] += t[i ^ d] for the lanes i without bit d, d = lanes/2 down to 1. */
    private static float tree(float[] a, int from, int lanes) {
        float[] t = java.util.Arrays.copyOfRange(a, from, from + lanes);
        for (int d = lanes / 2; d >= 1; d /= 2) {
            for (int i = 0; i < lanes; i++) {
                if ((i & d) == 0) {
                    t[i] = t[i] + t[i ^ d];
                }
            }
        }
        return t[0];
    }
}
