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
 * One Adagrad step over a parameter, fused into a single pass, with {@code torch.optim.Adagrad}'s
 * semantics (1.13): {@code g += weightDecay p}; {@code sum += g^2};
 * {@code p -= clr g / (sqrt(sum) + eps)} with {@code clr = lr / (1 + (t - 1) lrDecay)} at step t.
 */
public final class AdagradStep {

    private AdagradStep() {
    }

    /**
     * @param sum  the accumulated squares ({@code n} floats)
     * @param step the step number t, from 1
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, MemorySegment sum,
                             long sOff, long step, float lr, float lrDecay, float eps, float weightDecay) {
        Checks.floats("param", param, pOff, n);
        Checks.floats("grad", grad, gOff, n);
        Checks.floats("sum", sum, sOff, n);
        Checks.positive("step", step);
        float clr = (float) (lr / (1 + (step - 1) * (double) lrDecay));
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            FloatVector s = FloatVector.fromMemorySegment(SPECIES, sum, (sOff + i) * Float.BYTES, ORDER).add(g.mul(g));
            s.intoMemorySegment(sum, (sOff + i) * Float.BYTES, ORDER);
            p.sub(g.div(s.lanewise(VectorOperators.SQRT).add(eps)).mul(clr)).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = FloatLanes.get(grad, gOff + i) + weightDecay * p;
            float s = FloatLanes.get(sum, sOff + i) + g * g;
            FloatLanes.set(sum, sOff + i, s);
            FloatLanes.set(param, pOff + i, p - clr * (g / ((float) Math.sqrt(s) + eps)));
        }
    }
}
