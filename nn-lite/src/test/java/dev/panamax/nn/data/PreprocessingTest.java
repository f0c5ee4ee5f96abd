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

    @Test
    void pcaCodesAreDecorrelatedAndReconstructBest() {
        int n = 2000;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, correlated(n), n, 3);
            Pca two = Pca.of(2).fit(x);
            float[] codes = two.transform(x, arena).toFloatArray();
            double[] ratio = two.explainedVarianceRatio();
            assertThat(ratio[0]).isGreaterThanOrEqualTo(ratio[1]);
            assertThat(covariance(codes, n, 2, 0, 1)).isCloseTo(0, Offset.offset(1e-3));
            // PCA whitening is the same projection with each code scaled to unit variance
            float[] whitened = Whitening.pca(0, 2).fit(x).transform(x, arena).toFloatArray();
            double v0 = covariance(codes, n, 2, 0, 0);
            assertThat(Math.abs(codes[0] / Math.sqrt(v0))).isCloseTo(Math.abs(whitened[0]), Offset.offset(1e-4));
            // all components reconstruct exactly; fewer lose exactly the variance left out
            assertThat(Pca.of(3).fit(x).reconstructionError(x)).isCloseTo(0, Offset.offset(1e-9));
            double total = 0;
            for (int a = 0; a < 3; a++) {
                total += covariance(x.toFloatArray(), n, 3, a, a);
            }
            assertThat(two.reconstructionError(x) * 3).isCloseTo(total * (1 - ratio[0] - ratio[1]), Offset.offset(1e-4));
            // a random 2-D subspace does worse than the principal one
            assertThat(two.reconstructionError(x)).isLessThan(Pca.of(1).fit(x).reconstructionError(x));
            Pca restored = (Pca) Preprocessor.restore(two.state());
            assertThat(restored.transform(x, arena).toFloatArray()).containsExactly(codes);
            assertThat(restored.inverseTransform(restored.transform(x, arena), arena).toFloatArray())
                    .containsExactly(two.inverseTransform(two.transform(x, arena), arena).toFloatArray());
            assertThatThrownBy(() -> Pca.of(4).fit(x)).hasMessageContaining("cannot keep 4 components of 3 features");
            assertThatThrownBy(() -> two.inverseTransform(Tensor.zeros(arena, 2, 3), arena)).hasMessageContaining("[N, 2]");
        }
    }
}
