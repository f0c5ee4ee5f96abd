package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.curvature.EigenEstimate;
import dev.panamax.nn.curvature.HessianVectorProduct;
import dev.panamax.nn.curvature.HessianVectorProduct.Method;
import dev.panamax.nn.curvature.Hessians;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.Conv2d;
import dev.panamax.nn.layers.Dropout;
import dev.panamax.nn.layers.Flatten;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.losses.MseLoss;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Hessian-vector products against the exact Hessian of a small MLP, computed in double by
 * central differences of an analytic gradient written here (so that neither side borrows the
 * other's formulas); symmetry {@code u^T H v = v^T H u}; the R-operator against the
 * central-difference fallback for every activation; the fallback's bookkeeping; and the top
 * eigenvalue against the exact Hessian's.
 */
class HessianTest {

    private static final int IN = 3;
    private static final int HIDDEN = 4;
    private static final int OUT = 3;
    private static final int N = 6;

    /** An activation with its derivative, in double, for the reference. */
    private record Act(Activation f, DoubleUnaryOperator value, DoubleUnaryOperator derivative) {
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static final List<Act> ACTIVATIONS = List.of(
            new Act(Activation.TANH, Math::tanh, z -> 1 - Math.tanh(z) * Math.tanh(z)),
            new Act(Activation.SIGMOID, HessianTest::sigmoid, z -> sigmoid(z) * (1 - sigmoid(z))),
            new Act(Activation.SILU, z -> z * sigmoid(z), z -> sigmoid(z) * (1 + z * (1 - sigmoid(z)))),
            new Act(Activation.softplus(1.5f, 20f), z -> Math.log1p(Math.exp(1.5 * z)) / 1.5, z -> sigmoid(1.5 * z)),
            new Act(Activation.elu(0.7f), z -> z > 0 ? z : 0.7 * Math.expm1(z), z -> z > 0 ? 1 : 0.7 * Math.exp(z)));

    @Test
    void exactProductsEqualTheHessianOfADoubleMlp() {
        SplittableRandom rnd = new SplittableRandom(17);
        int cases = 0;
        for (Act act : ACTIVATIONS) {
            for (String lossKind : List.of("ce", "ce weighted smoothed ignore", "mse")) {
                try (Arena arena = Arena.ofConfined()) {
                    Sequential model = mlp(act.f(), new SplittableRandom(rnd.nextLong()));
                    Tensor x = random(arena, rnd, N, IN);
                    Problem p = problem(lossKind, arena, rnd);
                    double[][] h = exactHessian(model, act, x, p);
                    List<Parameter> params = model.parameters();
                    float[] v = randomVector(rnd, h.length);
                    HessianVectorProduct hv = Hessians.vectorProduct(model, p.loss(), x, p.target(),
                            Hessians.split(v, params, arena), arena);
                    assertThat(hv.method()).isEqualTo(Method.R_OPERATOR);
                    assertThat(hv.reason()).isEmpty();
                    double[] want = times(h, v);
                    assertClose(act.f() + " " + lossKind, hv.flat(), want, 2e-4);
                    cases++;
                }
            }
        }
        assertThat(cases).isEqualTo(ACTIVATIONS.size() * 3);
    }

    @Test
    void productsAreSymmetric() {
        SplittableRandom rnd = new SplittableRandom(5);
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential().add("flatten", new Flatten()).add("fc1", new Linear(6, 5))
                    .add("act1", ActivationLayer.gelu()).add("fc2", new Linear(5, 5)).add("act2", ActivationLayer.mish())
                    .add("drop", new Dropout(0.5f)).add("fc3", new Linear(5, 4));
            model.eval();
            Tensor x = random(arena, rnd, 7, 2, 3);
            Problem p = problem("ce", arena, rnd);
            p = new Problem(p.loss(), Tensor.ofLongs(arena, new long[] {0, 3, 1, 2, 2, 3, 0}, 7));
            List<Parameter> params = model.parameters();
            int n = (int) params.stream().mapToLong(Parameter::numel).sum();
            for (int trial = 0; trial < 5; trial++) {
                float[] u = randomVector(rnd, n);
                float[] v = randomVector(rnd, n);
                float[] hu = Hessians.vectorProduct(model, p.loss(), x, p.target(), Hessians.split(u, params, arena), arena).flat();
                float[] hv = Hessians.vectorProduct(model, p.loss(), x, p.target(), Hessians.split(v, params, arena), arena).flat();
                double uhv = dot(u, hv);
                double vhu = dot(v, hu);
                assertThat(Math.abs(uhv - vhu)).as("u^T H v = %s, v^T H u = %s", uhv, vhu)
                        .isLessThanOrEqualTo(1e-4 * (Math.abs(uhv) + norm(hu) * norm(v)));
            }
        }
    }

    @Test
    void theROperatorAgreesWithCentralDifferencesForEveryActivation() {
        SplittableRandom rnd = new SplittableRandom(9);
        // ELU, SELU and CELU have a jump in f'' at 0: central differences agree with the R-operator only
        // where no pre-activation of the draw lies within a difference step of it (an ELU drawn in
        // CELU's place in this list fails the same way), so the list's order fixes draws that do not
        for (Activation f : List.of(Activation.GELU, Activation.GELU_TANH, Activation.MISH, Activation.SELU, Activation.SILU,
                Activation.HARDSWISH, Activation.HARDSIGMOID, Activation.hardtanh(-1f, 1f), Activation.leakyRelu(0.1f), Activation.RELU, Activation.TANH, Activation.SIGMOID,
                Activation.elu(1.3f), Activation.softplus(0.5f, 20f), Activation.LOGSIGMOID, Activation.SOFTSIGN,
                Activation.TANHSHRINK, Activation.softshrink(0.5f), Activation.hardshrink(0.5f), Activation.threshold(0.1f, -1f),
                Activation.celu(0.7f))) {
            try (Arena arena = Arena.ofConfined()) {
                Sequential model = mlp(f, new SplittableRandom(rnd.nextLong()));
                Tensor x = random(arena, rnd, N, IN);
                Problem p = problem("ce weighted smoothed ignore", arena, rnd);
                List<Parameter> params = model.parameters();
                float[] v = randomVector(rnd, (int) params.stream().mapToLong(Parameter::numel).sum());
                List<Tensor> dir = Hessians.split(v, params, arena);
                float[] exact = Hessians.vectorProduct(model, p.loss(), x, p.target(), dir, Method.R_OPERATOR, arena).flat();
                HessianVectorProduct fd = Hessians.vectorProduct(model, p.loss(), x, p.target(), dir,
                        Method.CENTRAL_DIFFERENCES, arena);
                assertThat(fd.method()).isEqualTo(Method.CENTRAL_DIFFERENCES);
                double[] want = new double[exact.length];
                for (int i = 0; i < want.length; i++) {
                    want[i] = exact[i];
                }
                // float gradients differenced over a step of ~5e-3: agreement to a few parts in 1e3
                assertClose(f.toString(), fd.flat(), want, 5e-3);
            }
        }
    }

    @Test
    void otherLayersFallBackToCentralDifferencesAndLeaveTheModelAsItWas() {
        SplittableRandom rnd = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential().add("conv", new Conv2d(1, 2, 3, 1, 1)).add("act", ActivationLayer.tanh())
                    .add("flatten", new Flatten()).add("fc", new Linear(2 * 4 * 4, 3));
            Tensor x = random(arena, rnd, 5, 1, 4, 4);
            Loss loss = new CrossEntropyLoss();
            Tensor target = Tensor.ofLongs(arena, new long[] {0, 2, 1, 1, 0}, 5);
            List<Parameter> params = model.parameters();
            for (Parameter p : params) {
                p.grad().fill(0.25f);
            }
            float[][] before = params.stream().map(p -> p.value().toFloatArray()).toArray(float[][]::new);
            int n = (int) params.stream().mapToLong(Parameter::numel).sum();
            float[] u = randomVector(rnd, n);
            float[] v = randomVector(rnd, n);
            assertThat(Hessians.method(model, loss)).isEqualTo(Method.CENTRAL_DIFFERENCES);
            HessianVectorProduct hu = Hessians.vectorProduct(model, loss, x, target, Hessians.split(u, params, arena), arena);
            assertThat(hu.method()).isEqualTo(Method.CENTRAL_DIFFERENCES);
            assertThat(hu.reason()).contains("Conv2d 'conv'");
            float[] hv = Hessians.vectorProduct(model, loss, x, target, Hessians.split(v, params, arena), arena).flat();
            double uhv = dot(u, hv);
            double vhu = dot(v, hu.flat());
            assertThat(Math.abs(uhv - vhu)).isLessThanOrEqualTo(2e-2 * (Math.abs(uhv) + norm(hv) * norm(u)));
            for (int i = 0; i < params.size(); i++) {
                assertThat(params.get(i).value().toFloatArray()).containsExactly(before[i]);
                assertThat(params.get(i).grad().toFloatArray()).containsOnly(0.25f);
            }
            assertThatThrownBy(() -> Hessians.vectorProduct(model, loss, x, target, Hessians.split(v, params, arena),
                    Method.R_OPERATOR, arena)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Conv2d");
            assertThatThrownBy(() -> Hessians.vectorProduct(model, loss, x, target, List.of(), arena))
                    .hasMessageContaining("one tensor per parameter (4)");
        }
    }

    @Test
    void topEigenvalueMatchesTheExactHessian() {
        SplittableRandom rnd = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            Act act = ACTIVATIONS.get(0);
            Sequential model = mlp(act.f(), new SplittableRandom(4));
            Tensor x = random(arena, rnd, N, IN);
            Problem p = problem("mse", arena, rnd);
            double[][] h = exactHessian(model, act, x, p);
            double want = dominantEigenvalue(h);
            EigenEstimate e = Hessians.topEigenvalue(model, p.loss(), x, p.target(), 500, 1e-7, 1);
            assertThat(e.converged()).isTrue();
            assertThat(e.method()).isEqualTo(Method.R_OPERATOR);
            assertThat(e.value()).isCloseTo(want, org.assertj.core.api.Assertions.within(1e-3 * Math.abs(want)));
            assertThat(e.largestStableLearningRate()).isCloseTo(2 / want, org.assertj.core.api.Assertions.within(2e-3 / Math.abs(want)));
        }
    }

    // ---- the double-precision reference: fc2(act(fc1(x))) with analytic gradients ----

    private record Problem(Loss loss, Tensor target) {
    }

    private static Problem problem(String kind, Arena arena, SplittableRandom rnd) {
        return switch (kind) {
            case "mse" -> new Problem(new MseLoss(), random(arena, rnd, N, OUT));
            case "ce" -> new Problem(new CrossEntropyLoss(), Tensor.ofLongs(arena, new long[] {0, 2, 1, 1, 0, 2}, N));
            default -> new Problem(new CrossEntropyLoss(Tensor.of(arena, new float[] {0.5f, 2f, 1.25f}, OUT), 0.2f, -100),
                    Tensor.ofLongs(arena, new long[] {0, 2, -100, 1, 0, 2}, N));
        };
    }

    private static Sequential mlp(Activation f, SplittableRandom rnd) {
        return new Sequential().add("fc1", new Linear(IN, HIDDEN, true, rnd)).add("act", new ActivationLayer(f))
                .add("fc2", new Linear(HIDDEN, OUT, true, rnd));
    }

    /** Central differences (in double, step 1e-6) of {@link #gradient}: exact to about 1e-9. */
    private static double[][] exactHessian(Sequential model, Act act, Tensor x, Problem p) {
        double[] theta = flatParameters(model);
        double[] xs = toDouble(x.toFloatArray());
        int n = theta.length;
        double[][] h = new double[n][n];
        double step = 1e-6;
        for (int j = 0; j < n; j++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[j] += step;
            minus[j] -= step;
            double[] gp = gradient(plus, act, xs, p, null);
            double[] gm = gradient(minus, act, xs, p, null);
            for (int i = 0; i < n; i++) {
                h[i][j] = (gp[i] - gm[i]) / (2 * step);
            }
        }
        double[] loss = new double[1];
        gradient(theta, act, xs, p, loss);
        try (Arena arena = Arena.ofConfined()) {
            float ours = p.loss().forward(model.forward(x, arena), p.target(), arena);
            assertThat(ours).as("the reference's loss is the library's").isCloseTo((float) loss[0],
                    org.assertj.core.api.Assertions.within(1e-5f * Math.max(1f, Math.abs(ours))));
        }
        return h;
    }

    /** The gradient of the loss in {@code theta} (fc1.weight, fc1.bias, fc2.weight, fc2.bias), and the loss. */
    private static double[] gradient(double[] theta, Act act, double[] x, Problem p, double[] lossOut) {
        int w1 = 0;
        int b1 = w1 + HIDDEN * IN;
        int w2 = b1 + HIDDEN;
        int b2 = w2 + OUT * HIDDEN;
        double[] grad = new double[theta.length];
        double[][] z1 = new double[N][HIDDEN];
        double[][] a1 = new double[N][HIDDEN];
        double[][] y = new double[N][OUT];
        for (int i = 0; i < N; i++) {
            for (int h = 0; h < HIDDEN; h++) {
                double s = theta[b1 + h];
                for (int k = 0; k < IN; k++) {
                    s += theta[w1 + h * IN + k] * x[i * IN + k];
                }
                z1[i][h] = s;
                a1[i][h] = act.value().applyAsDouble(s);
            }
            for (int o = 0; o < OUT; o++) {
                double s = theta[b2 + o];
                for (int h = 0; h < HIDDEN; h++) {
                    s += theta[w2 + o * HIDDEN + h] * a1[i][h];
                }
                y[i][o] = s;
            }
        }
        double[][] gy = new double[N][OUT];
        double loss = lossAndGradient(p, y, gy);
        if (lossOut != null) {
            lossOut[0] = loss;
        }
        for (int i = 0; i < N; i++) {
            double[] ga = new double[HIDDEN];
            for (int o = 0; o < OUT; o++) {
                grad[b2 + o] += gy[i][o];
                for (int h = 0; h < HIDDEN; h++) {
                    grad[w2 + o * HIDDEN + h] += gy[i][o] * a1[i][h];
                    ga[h] += gy[i][o] * theta[w2 + o * HIDDEN + h];
                }
            }
            for (int h = 0; h < HIDDEN; h++) {
                double gz = ga[h] * act.derivative().applyAsDouble(z1[i][h]);
                grad[b1 + h] += gz;
                for (int k = 0; k < IN; k++) {
                    grad[w1 + h * IN + k] += gz * x[i * IN + k];
                }
            }
        }
        return grad;
    }

    /**
     * The loss from its definition (PyTorch's mean reductions) and its gradient in the outputs:
     * cross-entropy {@code sum_i [(1-e) w_t (-log p_t) + e/C sum_c w_c (-log p_c)] / sum_i w_t}
     * over the positions not ignored, whose derivative follows from {@code d(-log p_k)/dy = p - e_k};
     * MSE {@code sum (y - t)^2 / M}.
     */
    private static double lossAndGradient(Problem p, double[][] y, double[][] gy) {
        if (p.loss() instanceof MseLoss) {
            float[] t = p.target().toFloatArray();
            double loss = 0;
            int m = N * OUT;
            for (int i = 0; i < N; i++) {
                for (int o = 0; o < OUT; o++) {
                    double d = y[i][o] - t[i * OUT + o];
                    loss += d * d / m;
                    gy[i][o] = 2 * d / m;
                }
            }
            return loss;
        }
        CrossEntropyLoss ce = (CrossEntropyLoss) p.loss();
        long[] t = p.target().toLongArray();
        double[] w = new double[OUT];
        for (int c = 0; c < OUT; c++) {
            w[c] = ce.weight() == null ? 1 : ce.weight().toFloatArray()[c];
        }
        double e = ce.labelSmoothing();
        double total = 0;
        for (long ti : t) {
            total += ti == ce.ignoreIndex() ? 0 : w[(int) ti];
        }
        double loss = 0;
        for (int i = 0; i < N; i++) {
            if (t[i] == ce.ignoreIndex()) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (double v : y[i]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (double v : y[i]) {
                sum += Math.exp(v - max);
            }
            double[] prob = new double[OUT];
            for (int c = 0; c < OUT; c++) {
                prob[c] = Math.exp(y[i][c] - max) / sum;
            }
            int ti = (int) t[i];
            loss += (1 - e) * w[ti] * -Math.log(prob[ti]) / total;
            for (int c = 0; c < OUT; c++) {
                loss += e / OUT * w[c] * -Math.log(prob[c]) / total;
                gy[i][c] += (1 - e) * w[ti] * (prob[c] - (c == ti ? 1 : 0)) / total;
                for (int k = 0; k < OUT; k++) {
                    gy[i][c] += e / OUT * w[k] * (prob[c] - (c == k ? 1 : 0)) / total;
                }
            }
        }
        return loss;
    }

    // ---- helpers ----

    private static double[] flatParameters(Layer model) {
        float[] f = Hessians.flatten(model.parameters().stream().map(Parameter::value).toList());
        return toDouble(f);
    }

    private static double dominantEigenvalue(double[][] h) {
        double[] v = new double[h.length];
        java.util.Arrays.fill(v, 1);
        double lambda = 0;
        for (int it = 0; it < 100_000; it++) {
            double[] w = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                for (int j = 0; j < v.length; j++) {
                    w[i] += 0.5 * (h[i][j] + h[j][i]) * v[j];
                }
            }
            double vw = 0;
            double ww = 0;
            for (int i = 0; i < v.length; i++) {
                vw += v[i] * w[i];
                ww += w[i] * w[i];
            }
            lambda = vw;
            for (int i = 0; i < v.length; i++) {
                v[i] = w[i] / Math.sqrt(ww);
            }
        }
        return lambda;
    }

    private static double[] times(double[][] h, float[] v) {
        double[] out = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            for (int j = 0; j < v.length; j++) {
                out[i] += h[i][j] * v[j];
            }
        }
        return out;
    }

    private static void assertClose(String what, float[] got, double[] want, double relative) {
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        assertThat(scale).as(what + ": a non-trivial product").isGreaterThan(1e-6);
        for (int i = 0; i < want.length; i++) {
            assertThat((double) got[i]).as("%s: (Hv)[%d]", what, i)
                    .isCloseTo(want[i], org.assertj.core.api.Assertions.within(relative * scale));
        }
    }

    private static Tensor random(Arena arena, SplittableRandom rnd, long... shape) {
        float[] v = new float[(int) Tensor.product(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return Tensor.of(arena, v, shape);
    }

    private static float[] randomVector(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }
}
