package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * VectorMath's functions against {@code java.lang.Math} in double, rounded to float, over a
 * sweep of float bit patterns that crosses every binade of the range each function is defined
 * on (one pattern in 1,021, about four million floats per function), plus the special values: the
 * largest distance in ulp of the float result is the documented bound. (The bounds were found
 * over every float of each range; that sweep takes minutes.)
 */
class VectorMathTest {

    /** One pattern in this many: prime, so the sweep hits every mantissa position over the binades. */
    private static final int STRIDE = 1021;

    @Test
    void expm1IsWithinOneUlp() {
        assertWithinUlp(VectorMath::expm1, Math::expm1, -20f, 89f, 1.0);
        assertSpecial(VectorMath::expm1, new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -18.5f, -1e30f,
                Float.NEGATIVE_INFINITY, 88.8f, Float.POSITIVE_INFINITY, Float.NaN},
                new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1f, -1f, -1f, Float.POSITIVE_INFINITY,
                        Float.POSITIVE_INFINITY, Float.NaN});
    }

    @Test
    void log1pIsWithinOneUlp() {
        assertWithinUlp(VectorMath::log1p, Math::log1p, -1f, Float.MAX_VALUE, 1.0);
        assertSpecial(VectorMath::log1p, new float[] {0f, -0f, Float.MIN_VALUE, -1f, -1.5f, Float.NEGATIVE_INFINITY,
                Float.POSITIVE_INFINITY, Float.NaN}, new float[] {0f, -0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY,
                        Float.NaN, Float.NaN, Float.POSITIVE_INFINITY, Float.NaN});
    }

    @Test
    void logIsWithinOneUlpSubnormalsIncluded() {
        assertWithinUlp(VectorMath::log, Math::log, 0f, Float.MAX_VALUE, 1.0);
        assertSpecial(VectorMath::log, new float[] {0f, -0f, 1f, -1e-30f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
                Float.NaN}, new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, Float.NaN, Float.NaN,
                        Float.POSITIVE_INFINITY, Float.NaN});
    }

    @Test
    void tanhIsWithinFiveUlp() {
        assertWithinUlp(VectorMath::tanh, Math::tanh, -10f, 10f, 5.0);
    }

    /**
     * Fails unless the distance, in ulp of the correctly rounded result, is at most {@code bound}
     * for every float in {@code [lo, hi]} whose bit pattern the sweep visits.
     */
    private static void assertWithinUlp(UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, float lo, float hi,
                                        double bound) {
        float[] xs = new float[FloatLanes.LANES];
        float[] ys = new float[FloatLanes.LANES];
        double worst = 0;
        float worstAt = Float.NaN;
        int n = 0;
        for (long bits = 0; bits <= 0xffffffffL; bits += STRIDE) {
            float x = Float.intBitsToFloat((int) bits);
            if (!(x >= lo && x <= hi)) {
                continue;
            }
            xs[n++] = x;
            if (n == xs.length) {
                f.apply(FloatVector.fromArray(FloatLanes.SPECIES, xs, 0)).intoArray(ys, 0);
                for (int l = 0; l < n; l++) {
                    float want = (float) exact.applyAsDouble(xs[l]);
                    double ulps = Float.isInfinite(want) ? (ys[l] == want ? 0 : Double.POSITIVE_INFINITY)
                            : Math.abs((double) ys[l] - want) / Math.ulp(want);
                    if (!(ulps <= worst)) {
                        worst = Double.isNaN(ulps) ? Double.POSITIVE_INFINITY : ulps;
                        worstAt = xs[l];
                    }
                }
                n = 0;
            }
        }
        assertThat(worst).as("the worst distance, at %s", worstAt).isLessThanOrEqualTo(bound);
    }

    private static void assertSpecial(UnaryOperator<FloatVector> f, float[] xs, float[] want) {
        for (int i = 0; i < xs.length; i++) {
            float got = f.apply(FloatVector.broadcast(FloatLanes.SPECIES, xs[i])).lane(0);
            assertThat(Float.floatToIntBits(got)).as("f(%s) = %s", xs[i], got).isEqualTo(Float.floatToIntBits(want[i]));
        }
    }
}
