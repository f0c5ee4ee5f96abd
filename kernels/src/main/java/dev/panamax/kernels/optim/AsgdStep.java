package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One step of averaged SGD over a parameter, fused into a single pass, with
 * {@code torch.optim.ASGD}'s semantics (1.13): {@code g += weightDecay p} (skipped when it is 0,
 * as PyTorch skips it); {@code p = (1 - lambd eta) p - eta g}, in two roundings as PyTorch's two
 * in-place updates; then the running average {@code ax += mu (p - ax)}, or {@code ax = p} while
 * mu is 1 (before averaging starts). The caller moves eta and mu between steps.
 */
public final class AsgdStep {

    private AsgdStep() {
    }

    /**
     * @param ax  the averaged parameter ({@code n} floats)
     * @param eta this step's rate
     * @param mu  this step's averaging weight, 1 until averaging starts
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, MemorySegment ax,
                             long aOff, float eta, float lambd, float mu, float weightDecay) {
        Checks.floats("param", param, pOff, n);
        Checks.floats("grad", grad, gOff, n);
        Checks.floats("ax", ax, aOff, n);
        float decay = (float) (1 - (double) lambd * eta);    // PyTorch: 1 - lambd * eta.item() in double, applied in float
        boolean decayGradient = weightDecay != 0;
        boolean average = mu != 1;
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER);
            if (decayGradient) {
                g = p.fma(FloatVector.broadcast(SPECIES, weightDecay), g);
            }
            p = g.fma(FloatVector.broadcast(SPECIES, -eta), p.mul(decay));
            p.intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector a = p;
            if (average) {
                a = FloatVector.fromMemorySegment(SPECIES, ax, (aOff + i) * Float.BYTES, ORDER);
                a = a.add(p.sub(a).mul(mu));
            }
            a.intoMemorySegment(ax, (aOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = FloatLanes.get(grad, gOff + i);
            if (decayGradient) {
                g = Math.fma(p, weightDecay, g);
            }
            p = Math.fma(g, -eta, p * decay);
            FloatLanes.set(param, pOff + i, p);
            float a = FloatLanes.get(ax, aOff + i);
            FloatLanes.set(ax, aOff + i, average ? a + (p - a) * mu : p);
        }
    }
}
