package dev.panamax.cli;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.List;

import dev.panamax.nn.curvature.EigenEstimate;
import dev.panamax.nn.curvature.Hessians;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code demo --model mlp --curvature}: the largest Hessian eigenvalue of the trained model's
 * training loss, the learning rate {@code 2 / lambda} above which gradient descent is unstable
 * there, and a check of that bound: full-batch gradient descent from the trained weights just
 * below and above it. The weights are restored afterwards.
 */
final class CurvatureReport {

    private static final int STEPS = 30;

    private CurvatureReport() {
    }

    static void print(Layer model, Loss loss, Dataset train, PrintStream out) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, train.features(), train.size(), train.sampleSize());
            Tensor y = train.isClassification() ? Tensor.ofLongs(arena, train.labels(), train.size())
                    : Tensor.of(arena, train.values(), train.size(), 1);
            long t0 = System.nanoTime();
            EigenEstimate e = Hessians.topEigenvalue(model, loss, x, y, 200, 1e-5, 1);
            out.printf("%ncurvature of the training loss (%d rows, full batch): largest Hessian eigenvalue λ = %.4g "
                            + "(power iteration: %d Hessian-vector products by %s, %s, %.2f s)%n", train.size(), e.value(),
                    e.iterations(), e.method() == dev.panamax.nn.curvature.HessianVectorProduct.Method.R_OPERATOR
                            ? "the exact R-operator" : "central differences", e.converged() ? "converged" : "not converged",
                    (System.nanoTime() - t0) / 1e9);
            double bound = e.largestStableLearningRate();
            out.printf("largest stable learning rate for gradient descent here: 2/λ = %.4g%n", bound);
            if (Double.isFinite(bound)) {
                // Near a minimum the component along the top eigenvector is tiny, so gradient descent shows its
                // (in)stability only after many steps: the weights are first pushed along that eigenvector, by
                // enough to raise the loss by about a fifth on the quadratic model, and then descend.
                float[] direction = e.vector();
                double push;
                try (Arena step = Arena.ofConfined()) {
                    push = Math.sqrt(0.4 * loss.forward(model.forward(x, step), y, step) / e.value());
                }
                out.printf("gradient descent for %d steps from the trained weights pushed by %.3g along the top eigenvector:%n",
                        STEPS, push);
                for (double factor : new double[] {0.8, 1.5}) {
                    double[] losses = descend(model, loss, x, y, factor * bound, direction, push);
                    boolean rose = !(losses[2] <= losses[0]);
                    out.printf("  at %.1f × 2/λ: loss %.5f, highest %.5g, last %.5g (%s)%n", factor, losses[0], losses[2],
                            losses[1], rose ? "it rises: unstable here" + (losses[1] < losses[0]
                                    ? ", then settles where the curvature is lower (a catapult)" : "")
                                    : "never above where it started: stable");
                }
            }
        }
    }

    /**
     * The loss before, after and at its highest over {@link #STEPS} full-batch steps at {@code lr}
     * from the weights moved by {@code push} along {@code direction}; the weights are put back.
     */
    private static double[] descend(Layer model, Loss loss, Tensor x, Tensor y, double lr, float[] direction, double push) {
        List<Parameter> params = model.parameters();
        float[][] saved = params.stream().map(p -> p.value().toFloatArray()).toArray(float[][]::new);
        float[][] grads = params.stream().map(p -> p.grad().toFloatArray()).toArray(float[][]::new);
        try (Arena moved = Arena.ofConfined()) {
            int at = 0;
            for (int i = 0; i < params.size(); i++) {
                float[] w = saved[i].clone();
                for (int j = 0; j < w.length; j++) {
                    w[j] += (float) (push * direction[at++]);
                }
                params.get(i).value().copyFrom(Tensor.of(moved, w, params.get(i).value().shape()));
            }
        }
        double first = Double.NaN;
        double highest = Double.NEGATIVE_INFINITY;
        double last;
        try (Sgd sgd = new Sgd(params, (float) lr, 0f)) {
            for (int s = 0; s < STEPS; s++) {
                sgd.zeroGrad();
                try (Arena step = Arena.ofConfined()) {
                    float l = loss.forward(model.forward(x, step), y, step);
                    first = s == 0 ? l : first;
                    highest = Float.isNaN(l) ? Double.NaN : Math.max(highest, l);
                    model.backward(loss.backward(step), step);
                }
                sgd.step();
            }
            try (Arena step = Arena.ofConfined()) {
                last = loss.forward(model.forward(x, step), y, step);
            }
        } finally {
            try (Arena restore = Arena.ofConfined()) {
                for (int i = 0; i < params.size(); i++) {
                    params.get(i).value().copyFrom(Tensor.of(restore, saved[i], params.get(i).value().shape()));
                    params.get(i).grad().copyFrom(Tensor.of(restore, grads[i], params.get(i).grad().shape()));
                }
            }
        }
        return new double[] {first, last, Double.isNaN(last) ? Double.NaN : Math.max(highest, last)};
    }
}
