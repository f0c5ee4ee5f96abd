package dev.panamax.kernels.loss;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Mean cross-entropy of logits against class indices, with optional class weights and label
 * smoothing: {@code torch.nn.functional.cross_entropy(logits, target, weight,
 * reduction="mean", label_smoothing=eps)}.
 *
 * <p>With {@code lp = log_softmax(logits)} per row and {@code W = sum_i weight[target_i]}
 * (N without weights):
 * {@code loss = (1-eps)/W * sum_i -w[t_i] lp[i,t_i] + eps/(C W) * sum_i sum_c -w[c] lp[i,c]}.
 * The log-softmax is never materialised: each row needs only its log-sum-exp.
 *
 * <p>Layout: logits {@code [N, C]} with row stride {@code ld >= C}; target {@code [N]} int64 in
 * {@code [0, C)} or equal to {@code ignoreIndex} (PyTorch's {@code ignore_index}, -100 by default:
 * such a row takes no part in the loss or in W, and gets a zero gradient, as padded positions of
 * a batch of sequences need); weight {@code [C]} or null.
 */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /** PyTorch's default {@code ignore_index}. */
    public static final long IGNORE_INDEX = -100;

    /** The mean loss over the rows whose target is not {@code ignoreIndex} (NaN when there are none, as in PyTorch). */
    public static float forward(long n, long c, MemorySegment logits, long off, long ld,
                                MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                float labelSmoothing, long ignoreIndex) {
        check(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex);
        if (n == 0) {
            return Float.NaN; // the mean of nothing, as PyTorch returns
        }
        double weightSum = weight == null ? c : Reductions.sum(c, weight, wOff);
        double nll = 0;
        double smooth = 0;
        double normaliser = 0;
        for (long i = 0; i < n; i++) {
            long row = off + i * ld;
            long ti = FloatLanes.getLong(target, tOff + i);
            if (ti == ignoreIndex) {
                continue;
            }
            int t = (int) ti;
            double lse = logSumExp(c, logits, row);
            double wt = weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
            normaliser += wt;
            nll += wt * (lse - FloatLanes.get(logits, row + t));
            if (labelSmoothing != 0f) {
                double weighted = weight == null ? Reductions.sum(c, logits, row) : Reductions.dot(c, weight, wOff, logits, row);
                smooth += lse * weightSum - weighted;
            }
        }
        return (float) (((1 - (double) labelSmoothing) * nll + labelSmoothing / (double) c * smooth) / normaliser);
    }

    /**
     * The gradient of the logits, scaled by {@code gradLoss} (the upstream gradient of the loss):
     * {@code g[i,k] = gradLoss/W * ((1-eps) w[t_i] (p[i,k] - [k = t_i]) + eps/C (p[i,k] sum(w) - w[k]))}.
     *
     * @param grad {@code [N, C]} with row stride {@code ldGrad}, written
     */
    public static void backward(long n, long c, MemorySegment logits, long off, long ld,
                                MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                float labelSmoothing, long ignoreIndex, float gradLoss,
                                MemorySegment grad, long gOff, long ldGrad) {
        check(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex);
        Checks.atLeast("ldGrad", ldGrad, c, "C");
        if (n == 0) {
            return;
        }
        Checks.matrix("grad", grad, gOff, n, c, ldGrad);
        double normaliser = 0;
        for (long i = 0; i < n; i++) {
            long t = FloatLanes.getLong(target, tOff + i);
            if (t != ignoreIndex) {
                normaliser += weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
            }
        }
        double weightSum = weight == null ? c : Reductions.sum(c, weight, wOff);
        double scale = gradLoss / normaliser;
        double eps = labelSmoothing;
        for (long i = 0; i < n; i++) {
            long row = off + i * ld;
            long out = gOff + i * ldGrad;
            long ti = FloatLanes.getLong(target, tOff + i);
            if (ti == ignoreIndex) {
                FloatLanes.fill(grad, out, c, 0f);
                continue;
            }
            int t = (int) ti;
            float lse = (float) logSumExp(c, logits, row);
            double wt = weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
            // g = p * pScale - w[k] * wScale, then the target column gets -(1-eps) w_t scale.
            float pScale = (float) (scale * ((1 - eps) * wt + eps / c * weightSum));
            float wScale = (float) (scale * eps / c);
            if (c < 2 * LANES) {
                // Few classes (10 for digits): scalar. One masked vector per row did not get the
                // exponential inlined (a cold call site) and boxed its vectors, 144 B per row.
                for (long k = 0; k < c; k++) {
                    float p = (float) Math.exp(FloatLanes.get(logits, row + k) - lse) * pScale;
                    float w = weight == null ? 1f : FloatLanes.get(weight, wOff + k);
                    FloatLanes.set(grad, out + k, w * -wScale + p);
                }
            } else {
                // Two loops rather than one with branches between vector values: a vector merged
                // from two branches is boxed by C2.
                float uniform = weight == null ? -wScale : 0f;
                for (long k = 0; k < c; k += LANES) {
                    VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, c - k));
                    FloatVector p = VectorMath.expNonPositive(FloatVector.fromMemorySegment(SPECIES, logits, (row + k) * Float.BYTES, ORDER, m).sub(lse)).mul(pScale);
                    p.add(uniform).intoMemorySegment(grad, (out + k) * Float.BYTES, ORDER, m);
                }
                if (weight != null && wScale != 0f) {
                    for (long k = 0; k < c; k += LANES) {
                        VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, c - k));
                        FloatVector g = FloatVector.fromMemorySegment(SPECIES, weight, (wOff + k) * Float.BYTES, ORDER, m).mul(-wScale).add(FloatVector.fromMemorySegment(SPECIES, grad, (out + k) * Float.BYTES, ORDER, m));
                        g.intoMemorySegment(grad, (out + k) * Float.BYTES, ORDER, m);
                    }
                }
            }
            float at = FloatLanes.get(grad, out + t);
            FloatLanes.set(grad, out + t, (float) (at - scale * (1 - eps) * wt));
        }
    }

    /** {@code log sum_k exp(logits[row + k])} over C elements, by the row's maximum. */
    static double logSumExp(long c, MemorySegment logits, long row) {
        float max = Reductions.max(c, logits, row);
        return max + Math.log(Reductions.sumExp(c, logits, row, max));
    }

    private static void check(long n, long c, MemorySegment logits, long off, long ld,
                              MemorySegment target, long tOff, MemorySegment weight, long wOff, float eps,
                              long ignoreIndex) {
        Checks.nonNegative("N", n);
        Checks.positive("C", c);
        Checks.atLeast("ld", ld, c, "C");
        if (!(eps >= 0f && eps <= 1f)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1], got " + eps);
        }
        if (weight != null) {
            Checks.floats("weight", weight, wOff, c);
        }
        if (n == 0) {
            return;
        }
        Checks.matrix("logits", logits, off, n, c, ld);
        Checks.longs("target", target, tOff, n);
        for (long i = 0; i < n; i++) {
            long t = FloatLanes.getLong(target, tOff + i);
            if ((t < 0 || t >= c) && t != ignoreIndex) {
                throw new IllegalArgumentException("target[" + i + "] must be a class index in [0, " + c + ") or ignore_index ("
                        + ignoreIndex + "), got " + t);
            }
        }
    }
}
