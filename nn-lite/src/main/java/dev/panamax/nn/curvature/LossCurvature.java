package dev.panamax.nn.curvature;

import java.lang.foreign.Arena;

import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.losses.MseLoss;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code R{dL/dy} = (d^2 L / dy^2) R{y}}: the loss's Hessian in its input applied to the
 * direction {@code R{y}} of the model's output.
 *
 * <p>Mean squared error over M elements: {@code 2 R{y} / M}. Cross-entropy of logits with class
 * dimension 1: every position's gradient is {@code c (p - q)} with {@code p = softmax(y)}, a
 * target distribution {@code q} (one-hot, or smoothed) that does not depend on {@code y}, and a
 * scale {@code c} that depends only on the targets and the class weights (PyTorch's mean with
 * weights and label smoothing: {@code ((1 - eps) w_t + eps/C sum_c w_c) / sum_positions w_t}, 0
 * at ignored positions), so its Hessian is {@code c (diag(p) - p p^T)} and
 * {@code R{g} = c p (R{y} - p . R{y})}.
 */
final class LossCurvature {

    private LossCurvature() {
    }

    static Tensor apply(Loss loss, Tensor y, Tensor target, Tensor ry, Arena arena) {
        return switch (loss) {
            case MseLoss mse -> mse(y, ry, arena);
            case CrossEntropyLoss ce -> crossEntropy(ce, y, target, ry, arena);
            default -> throw new IllegalArgumentException("no loss curvature for " + loss.getClass().getSimpleName());
        };
    }

    private static Tensor mse(Tensor y, Tensor ry, Arena arena) {
        float[] r = ry.contiguous(arena).toFloatArray();
        double scale = 2.0 / r.length;
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (scale * r[i]);
        }
        return Tensor.of(arena, r, y.shape());
    }

    private static Tensor crossEntropy(CrossEntropyLoss ce, Tensor y, Tensor target, Tensor ry, Arena arena) {
        int classes = Math.toIntExact(y.size(1));
        int n = Math.toIntExact(y.size(0));
        int inner = Math.toIntExact(y.numel() / Math.max(1, (long) n * classes));   // positions per sample ([N, C, d...])
        float[] logits = y.contiguous(arena).toFloatArray();
        float[] r = ry.contiguous(arena).toFloatArray();
        long[] t = target.contiguous(arena).toLongArray();
        float[] w = ce.weight() == null ? null : ce.weight().contiguous(arena).toFloatArray();
        double eps = ce.labelSmoothing();
        double weightSum = 0;
        double allClasses = 0;
        for (int c = 0; c < classes; c++) {
            allClasses += w == null ? 1 : w[c];
        }
        for (long ti : t) {
            if (ti != ce.ignoreIndex()) {
                weightSum += w == null ? 1 : w[(int) ti];
            }
        }
        float[] out = new float[r.length];
        double[] p = new double[classes];
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < inner; s++) {
                long ti = t[i * inner + s];
                if (ti == ce.ignoreIndex()) {
                    continue;
                }
                double wt = w == null ? 1 : w[(int) ti];
                double c = ((1 - eps) * wt + eps / classes * allClasses) / weightSum;
                int base = i * classes * inner + s;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < classes; k++) {
                    max = Math.max(max, logits[base + k * inner]);
                }
                double sum = 0;
                for (int k = 0; k < classes; k++) {
                    p[k] = Math.exp(logits[base + k * inner] - max);
                    sum += p[k];
                }
                double pr = 0;
                for (int k = 0; k < classes; k++) {
                    p[k] /= sum;
                    pr += p[k] * r[base + k * inner];
                }
                for (int k = 0; k < classes; k++) {
                    out[base + k * inner] = (float) (c * p[k] * (r[base + k * inner] - pr));
                }
            }
        }
        return Tensor.of(arena, out, y.shape());
    }
}
