package dev.panamax.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

class PreprocessingTest {

    private static float[] correlated(int n) {
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[n * 3];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            double c = r.nextGaussian();
            x[i * 3] = (float) (5 + 2 * a);
            x[i * 3 + 1] = (float) (a + 0.3 * b);
            x[i * 3 + 2] = (float) (-1 + b - a + 0.5 * c);
        }
        return x;
    }

    private static double covariance(float[] y, int n, int f, int a, int b) {
        double ma = 0, mb = 0, s = 0;
        for (int i = 0; i < n; i++) {
            ma += y[i * f + a];
            mb += y[i * f + b];
        }
        ma /= n;
        mb /= n;
        for (int i = 0; i < n; i++) {
            s += (y[i * f + a] - ma) * (y[i * f + b] - mb);
        }
        return s / n;
    }

    @Test
    void whitenedDataHasIdentityCovarianceAndStandardizedColumnsUnitVariance() {
        int n = 2000;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, correlated(n), n, 3);
            float[] w = Whitening.zca(0).fit(x).transform(x, arena).toFloatArray();
            float[] s = new Standardizer(0f).fit(x).transform(x, arena).toFloatArray();
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    assertThat(covariance(w, n, 3, a, b)).isCloseTo(a == b ? 1 : 0, Offset.offset(1e-4));
                }
                assertThat(covariance(s, n, 3, a, a)).isCloseTo(1, Offset.offset(1e-4));
            }
        }
    }

    @Test
    void transformBeforeFitOrOnOtherWidthsFails() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Whitening.zca(0).transform(Tensor.zeros(arena, 2, 2), arena))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("fit");
            Standardizer s = new Standardizer(0f).fit(Tensor.of(arena, new float[] {1, 2, 3, 4}, 2, 2));
            assertThatThrownBy(() -> s.transform(Tensor.zeros(arena, 2, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fitted on 2");
        }
    }
}
