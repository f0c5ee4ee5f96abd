package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * One NAdam step over a parameter (Adam with Nesterov momentum, Dozat 2016), fused into a single
 * pass, with {@code torch.optim.NAdam}'s semantics: {@code g += weightDecay p};
 * {@code m = b1 m + (1 - b1) g}; {@code v = b2 v + (1 - b2) g^2};
 * {@code p -= (gradientRate g + momentumRate m) / (sqrt(v / (1 - b2^t)) + eps)}, the two rates
 * from the momentum schedule ({@code mu_t}, its running product), which the caller computes once
 * per step for all parameters.
 */
public final class NadamStep {

    private NadamStep() {
    }

    /**
     * @param gradientRate {@code lr (1 - mu_t) / (1 - prod_{s <= t} mu_s)}
     * @param momentumRate {@code lr mu_{t+1} / (1 - prod_{s <= t+1} mu_s)}
     * @param step         the step number t, from 1
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, MemorySegment m1,
                             long mOff, MemorySegment v2, long vOff, long step, float gradientRate, float momentumRate,
                             float beta1, float beta2, float eps, float weightDecay) {
        MomentChecks.check(n, param, pOff, grad, gOff, "exp_avg", m1, mOff, "exp_avg_sq", v2, vOff, step);
        float invBias2 = (float) (1 / (1 - Math.pow(beta2, step)));
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
            FloatVector denom = v.mul(invBias2).lanewise(VectorOperators.SQRT).add(eps);
            p.sub(g.mul(gradientRate).add(m.mul(momentumRate)).div(denom))
                    .intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = FloatLanes.get(grad, gOff + i) + weightDecay * p;
            float m = FloatLanes.get(m1, mOff + i) * beta1 + g * (1f - beta1);
            float v = FloatLanes.get(v2, vOff + i) * beta2 + g * g * (1f - beta2);
            FloatLanes.set(m1, mOff + i, m);
            FloatLanes.set(v2, vOff + i, v);
            float denom = (float) Math.sqrt(v * invBias2) + eps;
            FloatLanes.set(param, pOff + i, p - (g * gradientRate + m * momentumRate) / denom);
        }
    }
}
