package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * One Adamax step over a parameter, fused into a single pass, with {@code torch.optim.Adamax}'s
 * semantics (1.13): {@code g += weightDecay p}; {@code m = b1 m + (1 - b1) g};
 * {@code u = max(b2 u, |g| + eps)} (the infinity norm in place of Adam's second moment);
 * {@code p -= lr / (1 - b1^t) m / u}.
 */
public final class AdamaxStep {

    private AdamaxStep() {
    }

    /**
     * @param m1   the first moment ({@code n} floats)
     * @param inf  the exponentially weighted infinity norm ({@code n} floats)
     * @param step the step number t, from 1
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, MemorySegment m1,
                             long mOff, MemorySegment inf, long uOff, long step, float lr, float beta1, float beta2, float eps,
                             float weightDecay) {
        MomentChecks.check(n, param, pOff, grad, gOff, "exp_avg", m1, mOff, "exp_inf", inf, uOff, step);
        float clr = (float) (lr / (1 - Math.pow(beta1, step)));
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            FloatVector m = FloatVector.fromMemorySegment(SPECIES, m1, (mOff + i) * Float.BYTES, ORDER).mul(beta1)
                    .add(g.mul(1f - beta1));
            FloatVector u = FloatVector.fromMemorySegment(SPECIES, inf, (uOff + i) * Float.BYTES, ORDER).mul(beta2)
                    .max(g.lanewise(VectorOperators.ABS).add(eps));
            m.intoMemorySegment(m1, (mOff + i) * Float.BYTES, ORDER);
            u.intoMemorySegment(inf, (uOff + i) * Float.BYTES, ORDER);
            p.sub(m.div(u).mul(clr)).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = FloatLanes.get(grad, gOff + i) + weightDecay * p;
            float m = FloatLanes.get(m1, mOff + i) * beta1 + g * (1f - beta1);
            float u = Math.max(FloatLanes.get(inf, uOff + i) * beta2, Math.abs(g) + eps);
            FloatLanes.set(m1, mOff + i, m);
            FloatLanes.set(inf, uOff + i, u);
            FloatLanes.set(param, pOff + i, p - m / u * clr);
        }
    }
}
