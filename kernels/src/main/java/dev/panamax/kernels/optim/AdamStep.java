package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * One Adam or AdamW step over a parameter, fused into a single pass, with {@code torch.optim}'s
 * semantics (1.13). Adam adds {@code weightDecay p} to the gradient (L2); AdamW first scales
 * {@code p *= 1 - lr weightDecay} (decoupled). Then {@code m = b1 m + (1 - b1) g},
 * {@code v = b2 v + (1 - b2) g^2}, with amsgrad {@code vmax = max(vmax, v)} used in place of v,
 * {@code p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)}.
 */
public final class AdamStep {

    private AdamStep() {
    }

    /**
     * @param step   the step number t, from 1
     * @param vmax   the running maximum of v ({@code n} floats) when amsgrad, else null
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff,
                             MemorySegment m1, long mOff, MemorySegment v2, long vOff, MemorySegment vmax, long xOff,
                             long step, float lr, float beta1, float beta2, float eps, float weightDecay,
                             boolean decoupled, boolean amsgrad) {
        MomentChecks.check(n, param, pOff, grad, gOff, "exp_avg", m1, mOff, "exp_avg_sq", v2, vOff, step);
        if (amsgrad) {
            Checks.floats("max_exp_avg_sq", vmax, xOff, n);
        }
        double bias1 = 1 - Math.pow(beta1, step);
        double bias2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bias1);
        float invSqrtBias2 = (float) (1 / Math.sqrt(bias2));
        float decay = decoupled ? 1f - lr * weightDecay : 1f;
        float l2 = decoupled ? 0f : weightDecay;
        // Full vectors without masks and without branches between vector values (the flags are
        // coefficients: L2 decay adds l2 p to the gradient, decoupled decay scales p by decay),
        // then a scalar tail: merging vectors from branches made C2 box them.
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = p.mul(l2).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            p = p.mul(decay);
            FloatVector mv = FloatVector.fromMemorySegment(SPECIES, m1, (mOff + i) * Float.BYTES, ORDER).mul(beta1).add(g.mul(1f - beta1));
            FloatVector vv = FloatVector.fromMemorySegment(SPECIES, v2, (vOff + i) * Float.BYTES, ORDER).mul(beta2).add(g.mul(g).mul(1f - beta2));
            mv.intoMemorySegment(m1, (mOff + i) * Float.BYTES, ORDER);
            vv.intoMemorySegment(v2, (vOff + i) * Float.BYTES, ORDER);
            if (amsgrad) {
                vv = vv.max(FloatVector.fromMemorySegment(SPECIES, vmax, (xOff + i) * Float.BYTES, ORDER));
                vv.intoMemorySegment(vmax, (xOff + i) * Float.BYTES, ORDER);
            }
            FloatVector denom = vv.lanewise(VectorOperators.SQRT).mul(invSqrtBias2).add(eps);
            p.sub(mv.div(denom).mul(stepSize)).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = p * l2 + FloatLanes.get(grad, gOff + i);
            p = p * decay;
            float mv = FloatLanes.get(m1, mOff + i) * beta1 + g * (1f - beta1);
            float vv = FloatLanes.get(v2, vOff + i) * beta2 + g * g * (1f - beta2);
            FloatLanes.set(m1, mOff + i, mv);
            FloatLanes.set(v2, vOff + i, vv);
            if (amsgrad) {
                vv = Math.max(vv, FloatLanes.get(vmax, xOff + i));
                FloatLanes.set(vmax, xOff + i, vv);
            }
            float denom = (float) Math.sqrt(vv) * invSqrtBias2 + eps;
            FloatLanes.set(param, pOff + i, p - mv / denom * stepSize);
        }
    }
}
