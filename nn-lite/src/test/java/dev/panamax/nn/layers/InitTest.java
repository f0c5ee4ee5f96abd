package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * trunc_normal_ and orthogonal_: every truncated draw inside its bounds, with the truncated
 * normal's mean and variance (computed from the normal's density and distribution in double) over
 * 200,000 draws, for an interval around 0, a short and a long one in the tail, one beyond 5 sigma
 * and an asymmetric one; orthogonal weights with orthonormal rows or columns, times the gain.
 */
class InitTest {

    @Test
    void truncatedNormalHasTheTruncatedMoments() {
        check(0, 1, -2, 2, 0.0, 0.7737413035);
        check(0, 1, 3, 3.5, 3.1855943984, 0.0182287219);
        check(0, 1, 5, Double.POSITIVE_INFINITY, 5.1865039663, 0.0326964389);
        check(0, 1, -1, 4, 0.2874517246, 0.6291244162);
        check(0, 1, 0.5, 9, 1.1410777704, 0.2684804072);
        check(1, 2, 1 - 2 * 9, 1 - 2 * 0.5, 1 - 2 * 1.1410777704, 4 * 0.2684804072);   // the left tail, scaled and shifted
    }

    @Test
    void truncatedNormalRefusesBadBounds() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(arena, 4);
            assertThatThrownBy(() -> Init.truncNormal(t, 0, 1, 2, 2, new SplittableRandom(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a < b");
            assertThatThrownBy(() -> Init.truncNormal(t, 0, 0, -2, 2, new SplittableRandom(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("std > 0");
        }
    }

    @Test
    void orthogonalRowsOrColumns() {
        try (Arena arena = Arena.ofConfined()) {
            checkOrthogonal(Tensor.zeros(arena, 6, 10), 1.0);         // wide: orthonormal rows
            checkOrthogonal(Tensor.zeros(arena, 12, 5), 2.0);         // tall: orthonormal columns
            checkOrthogonal(Tensor.zeros(arena, 4, 2, 3), 0.5);       // a convolution's weight as [4, 6]
            assertThatThrownBy(() -> Init.orthogonal(Tensor.zeros(arena, 5), 1, new SplittableRandom(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank >= 2");
        }
    }

    private static void check(double mean, double std, double a, double b, double wantMean, double wantVariance) {
        int n = 200_000;
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(arena, n);
            Init.truncNormal(t, mean, std, a, b, new SplittableRandom(7));
            double sum = 0;
            double squares = 0;
            for (float v : t.toFloatArray()) {
                assertThat((double) v).isBetween(a, b);
                sum += v;
                squares += (double) v * v;
            }
            double m = sum / n;
            double var = squares / n - m * m;
            // four standard errors of the mean and of the variance (taken as sqrt(2 / n) var for these shapes)
            assertThat(m).as("mean on [%s, %s]", a, b).isCloseTo(wantMean, within(4 * Math.sqrt(wantVariance / n)));
            assertThat(var).as("variance on [%s, %s]", a, b).isCloseTo(wantVariance, within(4 * Math.sqrt(2.0 / n) * wantVariance * 1.5));
        }
    }

    private static void checkOrthogonal(Tensor w, double gain) {
        Init.orthogonal(w, gain, new SplittableRandom(3));
        int rows = (int) w.size(0);
        int cols = (int) (w.numel() / rows);
        float[] v = w.toFloatArray();
        boolean wide = rows <= cols;
        int k = wide ? rows : cols;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double dot = 0;
                for (int e = 0; e < (wide ? cols : rows); e++) {
                    dot += wide ? (double) v[i * cols + e] * v[j * cols + e] : (double) v[e * cols + i] * v[e * cols + j];
                }
                assertThat(dot).as("(%d, %d)", i, j).isCloseTo(i == j ? gain * gain : 0, within(1e-5 * gain * gain));
            }
        }
    }
}
