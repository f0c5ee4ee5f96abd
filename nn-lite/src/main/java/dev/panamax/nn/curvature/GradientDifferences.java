package dev.panamax.nn.curvature;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code H v ~ (grad(theta + e v) - grad(theta - e v)) / 2e}: two ordinary gradients, for any model
 * and loss. The step balances the truncation error (O(e^2) times the third derivative) against
 * float rounding in the two gradients (O(ulp / e)): {@code e} is the cube root of float's
 * machine epsilon, scaled so that the step moves the parameters by about that fraction of their
 * root-mean-square size. Parameters, gradients and buffers (running statistics) are restored
 * afterwards, bit for bit.
 */
final class GradientDifferences {

    private static final double CUBE_ROOT_EPS = Math.cbrt(Math.ulp(1f));

    private GradientDifferences() {
    }

    static float apply(Layer model, Loss loss, Tensor x, Tensor target, List<Parameter> params, List<Tensor> v,
                       double[][] out) {
        try (Arena saved = Arena.ofConfined()) {
            List<Tensor> values = new ArrayList<>();
            List<Tensor> grads = new ArrayList<>();
            for (Parameter p : params) {
                values.add(p.value().copy(saved));
                grads.add(p.grad().copy(saved));
            }
            List<Tensor> buffers = new ArrayList<>();
            for (Tensor b : model.namedBuffers().values()) {
                buffers.add(b.copy(saved));
            }
            double step = CUBE_ROOT_EPS * Math.max(1, rms(values)) / Math.max(rms(v), Double.MIN_NORMAL);
            float value = 0;
            try {
                for (int sign = 1; sign >= -1; sign -= 2) {
                    for (int i = 0; i < params.size(); i++) {
                        perturb(params.get(i).value(), values.get(i), v.get(i), sign * step, saved);
                        params.get(i).grad().fill(0f);
                    }
                    float l = gradient(model, loss, x, target);
                    value = sign > 0 ? l : value;
                    for (int i = 0; i < params.size(); i++) {
                        float[] g = params.get(i).grad().toFloatArray();
                        for (int k = 0; k < g.length; k++) {
                            out[i][k] += sign * g[k] / (2 * step);
                        }
                    }
                }
            } finally {
                for (int i = 0; i < params.size(); i++) {
                    params.get(i).value().copyFrom(values.get(i));
                    params.get(i).grad().copyFrom(grads.get(i));
                }
                int b = 0;
                for (Tensor t : model.namedBuffers().values()) {
                    t.copyFrom(buffers.get(b++));
                }
            }
            return value;
        }
    }

    /** Accumulates the loss's gradient into the parameters' {@code grad}; returns the loss. */
    private static float gradient(Layer model, Loss loss, Tensor x, Tensor target) {
        try (Arena step = Arena.ofConfined()) {
            Tensor y = model.forward(x, step);
            float l = loss.forward(y, target, step);
            model.backward(loss.backward(step), step);
            return l;
        }
    }

    private static void perturb(Tensor param, Tensor origin, Tensor direction, double step, Arena arena) {
        float[] o = origin.toFloatArray();
        float[] d = direction.contiguous(arena).toFloatArray();
        for (int k = 0; k < o.length; k++) {
            o[k] = (float) (o[k] + step * d[k]);
        }
        param.copyFrom(Tensor.of(arena, o, param.shape()));
    }

    private static double rms(List<Tensor> tensors) {
        double sum = 0;
        long n = 0;
        for (Tensor t : tensors) {
            for (float f : t.toFloatArray()) {
                sum += (double) f * f;
            }
            n += t.numel();
        }
        return n == 0 ? 0 : Math.sqrt(sum / n);
    }
}
