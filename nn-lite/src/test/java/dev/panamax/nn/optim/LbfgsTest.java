package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.function.BiFunction;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * L-BFGS against torch.optim.LBFGS 1.13 in float64: a 6-dimensional quadratic with fixed steps
 * (two steps of four iterations: the history and direction carried from one step to the next)
 * and with the strong Wolfe line search and a history of three (the ring of pairs wrapping), and
 * the Rosenbrock-like {@code (1 - x)^2 + 5 (y - x^2)^2} from (-1.2, 1), where the line search
 * zooms and the step ends on its evaluation budget, and with a fixed step of 0.1: the parameters,
 * the losses each step returns, iterations and evaluations.
 */
class LbfgsTest {

    /** {@code M M^T + I / 2} with {@code M[i][j] = ((3 i + 5 j) mod 7 - 3) / 4}. */
    private static final double[][] A = new double[6][6];
    private static final double[] B = {1.0, -2.0, 0.5, 3.0, -1.5, 0.25};

    static {
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                double s = 0;
                for (int k = 0; k < 6; k++) {
                    s += m(i, k) * m(j, k);
                }
                A[i][j] = s + (i == j ? 0.5 : 0);
            }
        }
    }

    private static double m(int i, int j) {
        return ((i * 3 + j * 5) % 7 - 3) / 4.0;
    }

    /** {@code x^T A x / 2 - b^T x} and its gradient. */
    private static double quadratic(float[] x, float[] g) {
        double f = 0;
        for (int i = 0; i < 6; i++) {
            double ax = 0;
            for (int j = 0; j < 6; j++) {
                ax += A[i][j] * x[j];
            }
            f += 0.5 * x[i] * ax - B[i] * x[i];
            g[i] = (float) (ax - B[i]);
        }
        return f;
    }

    private static double rosenbrock(float[] x, float[] g) {
        double a = 1 - x[0];
        double b = x[1] - (double) x[0] * x[0];
        g[0] = (float) (-2 * a - 20 * b * x[0]);
        g[1] = (float) (10 * b);
        return a * a + 5 * b * b;
    }

    @Test
    void fixedStepsOnAQuadratic() {
        check(LbfgsTest::quadratic, new float[6], 2, Lbfgs.Options.defaults().maxIter(4),
                new double[] {0.26796058507206727, -1.2083414361719038, 0.3379053569474388, 1.6776844749978426,
                    -0.48812993965846896, -0.6262706752081184}, new double[] {0.0, -4.229802289388394}, 8, 8);
    }

    @Test
    void strongWolfeOnAQuadraticWithAShortHistory() {
        check(LbfgsTest::quadratic, new float[] {0.5f, -0.5f, 1f, 0f, 0.25f, -1f}, 2,
                Lbfgs.Options.defaults().maxIter(5).historySize(3).strongWolfe(true),
                new double[] {0.26801589259058567, -1.2082281505377097, 0.3379802423867749, 1.6776205752227458,
                    -0.4881224559105138, -0.6262002436754533}, new double[] {2.146484375, -4.230066396663026}, 9, 12);
    }

    @Test
    void rosenbrock() {
        check(LbfgsTest::rosenbrock, new float[] {-1.2f, 1f}, 1, Lbfgs.Options.defaults().maxIter(12).strongWolfe(true),
                new double[] {0.7667200625188035, 0.5246446822958921}, new double[] {5.808000000000001}, 10, 15);
        check(LbfgsTest::rosenbrock, new float[] {-1.2f, 1f}, 1, Lbfgs.Options.defaults().maxIter(6).lr(0.1f),
                new double[] {-1.0463955242332463, 1.0132793892639758}, new double[] {5.808000000000001}, 6, 6);
    }

    @Test
    void badSettings() {
        try (Arena arena = Arena.ofConfined()) {
            List<Parameter> ps = List.of(new Parameter("w", Tensor.zeros(arena, 3), Tensor.zeros(arena, 3)));
            assertThatThrownBy(() -> new Lbfgs(ps, Lbfgs.Options.defaults().historySize(0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("historySize >= 1");
            assertThatThrownBy(() -> new Lbfgs(ps, Lbfgs.Options.defaults().lr(-1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lr >= 0");
        }
    }

    private static void check(BiFunction<float[], float[], Double> f, float[] start, int steps, Lbfgs.Options options,
                              double[] wantX, double[] wantLosses, long wantIterations, long wantEvaluations) {
        try (Arena arena = Arena.ofConfined()) {
            int n = start.length;
            Tensor x = Tensor.of(arena, start, n);
            Tensor grad = Tensor.zeros(arena, n);
            Lbfgs opt = new Lbfgs(List.of(new Parameter("x", x, grad)), options);
            float[] g = new float[n];
            Lbfgs.Closure closure = () -> {
                double loss = f.apply(x.toFloatArray(), g);
                for (int i = 0; i < n; i++) {
                    grad.set(g[i], i);
                }
                return (float) loss;
            };
            for (int s = 0; s < steps; s++) {
                assertThat((double) opt.step(closure)).as("loss of step %d", s).isCloseTo(wantLosses[s], within(1e-5 * (1 + Math.abs(wantLosses[s]))));
            }
            float[] got = x.toFloatArray();
            for (int i = 0; i < n; i++) {
                assertThat((double) got[i]).as("x[%d]", i).isCloseTo(wantX[i], within(2e-5 * (1 + Math.abs(wantX[i]))));
            }
            assertThat(opt.iterations()).as("iterations").isEqualTo(wantIterations);
            assertThat(opt.evaluations()).as("evaluations").isEqualTo(wantEvaluations);
        }
    }
}
