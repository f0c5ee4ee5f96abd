package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * One RAdam step over a parameter (Adam with the variance of its adaptive rate rectified, Liu et
 * al. 2019), fused into a single pass, with {@code torch.optim.RAdam}'s semantics (1.13):
 * {@code g += weightDecay p}; {@code m = b1 m + (1 - b1) g}; {@code v = b2 v + (1 - b2) g^2}; with
 * {@code rho_inf = 2 / (1 - b2) - 1} and {@code rho_t = rho_inf - 2 t b2^t / (1 - b2^t)}: while
 * {@code rho_t <= 5} plain momentum, {@code p -= lr m / (1 - b1^t)}; after, the rectified step
 * {@code p -= lr r sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)},
 * {@code r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))}.
 */
public final class RadamStep {

    private RadamStep() {
    }

    /** @param step the step number t, from 1 */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, MemorySegment m1,
                             long mOff, MemorySegment v2, long vOff, long step, float lr, float beta1, float beta2, float eps,
                             float weightDecay) {
        MomentChecks.check(n, param, pOff, grad, gOff, "exp_avg", m1, mOff, "exp_avg_sq", v2, vOff, step);
        double bias1 = 1 - Math.pow(beta1, step);
        double bias2 = 1 - Math.pow(beta2, step);
        double rhoInf = 2 / (1 - (double) beta2) - 1;
        double rho = rhoInf - 2 * step * Math.pow(beta2, step) / bias2;
        // Both branches as one update, p -= rate m / (sqrt(v) root + shift): rectified, root 1 and
        // shift eps; before, root 0 and shift 1 (no division by the second moment). Coefficients,
        // not branches between vector values, which made C2 box them in other kernels.
        boolean rectified = rho > 5;
        float rate;
        float root;
        float shift;
        if (rectified) {
            double r = Math.sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
            rate = (float) (lr * r * Math.sqrt(bias2) / bias1);
            root = 1f;
            shift = eps;
        } else {
            rate = (float) (lr / bias1);
            root = 0f;
            shift = 1f;
        }
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            FloatVector m = FloatVector.fromMemorySegment(SPECIES, m1, (mOff + i) * Float.BYTES, ORDER).mul(beta1)
                    .add(g.mul(1f - beta1));
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, v2, (vOff + i) * Float.BYTES, ORDER).mul(beta2)
                    .add(g.mul(g).mul(1f - beta2));
            m.intoMemorySegment(m1, (mOff + i) * Float.BYTES, ORDER);
            v.intoMemorySegment(v2, (vOff + i) * Float.BYTES, ORDER);
            // min: an overflowed v times root 0 is 0, not NaN (the momentum steps do not read v)
            FloatVector denom = v.min(Float.MAX_VALUE).lanewise(VectorOperators.SQRT).mul(root).add(shift);
            p.sub(m.div(denom).mul(rate)).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = FloatLanes.get(grad, gOff + i) + weightDecay * p;
            float m = FloatLanes.get(m1, mOff + i) * beta1 + g * (1f - beta1);
            float v = FloatLanes.get(v2, vOff + i) * beta2 + g * g * (1f - beta2);
            FloatLanes.set(m1, mOff + i, m);
            FloatLanes.set(v2, vOff + i, v);
            FloatLanes.set(param, pOff + i, p - m / ((float) Math.sqrt(Math.min(v, Float.MAX_VALUE)) * root + shift) * rate);
        }
    }
}
