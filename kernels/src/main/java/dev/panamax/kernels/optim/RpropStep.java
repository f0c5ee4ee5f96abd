package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * One Rprop step over a parameter, fused into a single pass, with {@code torch.optim.Rprop}'s
 * semantics (1.13): only the gradient's sign is used. Where it kept its sign since the last step
 * the weight's own step size grows by {@code etaPlus}, where it flipped it shrinks by
 * {@code etaMinus} (and that weight does not move this step, and counts as unsigned next step),
 * otherwise it stays; sizes are clamped to {@code [stepMin, stepMax]};
 * {@code p -= sign(g) step}. Full-batch training only: a minibatch's noisy signs defeat it.
 */
public final class RpropStep {

    private RpropStep() {
    }

    /**
     * @param prev     the last step's gradient, zeroed where its sign flipped ({@code n} floats; zeros at first)
     * @param stepSize each weight's step size ({@code n} floats; lr at first)
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, MemorySegment prev,
                             long prOff, MemorySegment stepSize, long sOff, float etaMinus, float etaPlus, float stepMin,
                             float stepMax) {
        Checks.floats("param", param, pOff, n);
        Checks.floats("grad", grad, gOff, n);
        Checks.floats("prev", prev, prOff, n);
        Checks.floats("stepSize", stepSize, sOff, n);
        long i = 0;
        FloatVector zero = FloatVector.zero(SPECIES);
        for (; i <= n - LANES; i += LANES) {
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER);
            FloatVector product = g.mul(FloatVector.fromMemorySegment(SPECIES, prev, (prOff + i) * Float.BYTES, ORDER));
            VectorMask<Float> same = product.compare(VectorOperators.GT, 0f);
            VectorMask<Float> flipped = product.compare(VectorOperators.LT, 0f);
            FloatVector factor = FloatVector.broadcast(SPECIES, 1f).blend(etaPlus, same).blend(etaMinus, flipped);
            FloatVector s = FloatVector.fromMemorySegment(SPECIES, stepSize, (sOff + i) * Float.BYTES, ORDER).mul(factor)
                    .max(stepMin).min(stepMax);
            s.intoMemorySegment(stepSize, (sOff + i) * Float.BYTES, ORDER);
            FloatVector kept = g.blend(zero, flipped);
            kept.intoMemorySegment(prev, (prOff + i) * Float.BYTES, ORDER);
            FloatVector sign = zero.blend(1f, kept.compare(VectorOperators.GT, 0f)).blend(-1f, kept.compare(VectorOperators.LT, 0f));
            FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER).sub(sign.mul(s))
                    .intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float g = FloatLanes.get(grad, gOff + i);
            float product = g * FloatLanes.get(prev, prOff + i);
            float factor = product > 0 ? etaPlus : product < 0 ? etaMinus : 1f;
            float s = Math.min(Math.max(FloatLanes.get(stepSize, sOff + i) * factor, stepMin), stepMax);
            FloatLanes.set(stepSize, sOff + i, s);
            float kept = product < 0 ? 0f : g;
            FloatLanes.set(prev, prOff + i, kept);
            FloatLanes.set(param, pOff + i, FloatLanes.get(param, pOff + i) - (kept > 0 ? s : kept < 0 ? -s : 0f));
        }
    }
}
