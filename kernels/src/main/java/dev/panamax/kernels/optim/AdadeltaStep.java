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
 * One Adadelta step over a parameter, fused into a single pass, with {@code torch.optim.Adadelta}'s
 * semantics (1.13): {@code g += weightDecay p}; {@code sq = rho sq + (1 - rho) g^2};
 * {@code d = sqrt(acc + eps) / sqrt(sq + eps) g}; {@code acc = rho acc + (1 - rho) d^2};
 * {@code p -= lr d}. The ratio of the two running roots gives each weight a step in its own units,
 * so lr is a scale (PyTorch's default 1), not a rate.
 */
public final class AdadeltaStep {

    private AdadeltaStep() {
    }

    /**
     * @param squareAvg the running mean of squared gradients ({@code n} floats)
     * @param accDelta  the running mean of squared steps ({@code n} floats)
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, MemorySegment squareAvg,
                             long sOff, MemorySegment accDelta, long aOff, float lr, float rho, float eps, float weightDecay) {
        Checks.floats("param", param, pOff, n);
        Checks.floats("grad", grad, gOff, n);
        Checks.floats("squareAvg", squareAvg, sOff, n);
        Checks.floats("accDelta", accDelta, aOff, n);
        float keep = 1 - rho;
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            FloatVector sq = FloatVector.fromMemorySegment(SPECIES, squareAvg, (sOff + i) * Float.BYTES, ORDER).mul(rho)
                    .add(g.mul(g).mul(keep));
            sq.intoMemorySegment(squareAvg, (sOff + i) * Float.BYTES, ORDER);
            FloatVector acc = FloatVector.fromMemorySegment(SPECIES, accDelta, (aOff + i) * Float.BYTES, ORDER);
            FloatVector d = acc.add(eps).lanewise(VectorOperators.SQRT).div(sq.add(eps).lanewise(VectorOperators.SQRT)).mul(g);
            acc.mul(rho).add(d.mul(d).mul(keep)).intoMemorySegment(accDelta, (aOff + i) * Float.BYTES, ORDER);
            p.sub(d.mul(lr)).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = FloatLanes.get(grad, gOff + i) + weightDecay * p;
            float sq = FloatLanes.get(squareAvg, sOff + i) * rho + g * g * keep;
            FloatLanes.set(squareAvg, sOff + i, sq);
            float acc = FloatLanes.get(accDelta, aOff + i);
            float d = (float) Math.sqrt(acc + eps) / (float) Math.sqrt(sq + eps) * g;
            FloatLanes.set(accDelta, aOff + i, acc * rho + d * d * keep);
            FloatLanes.set(param, pOff + i, p - lr * d);
        }
    }
}
