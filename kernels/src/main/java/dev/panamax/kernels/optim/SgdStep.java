package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One SGD step over a parameter, fused into a single pass, with {@code torch.optim.SGD}'s
 * semantics (1.13): {@code d = g + weightDecay p}; with momentum, {@code buf = d} on the first
 * step, else {@code buf = momentum buf + (1 - dampening) d}, and {@code d = d + momentum buf}
 * (Nesterov) or {@code d = buf}; then {@code p -= lr d}.
 */
public final class SgdStep {

    private SgdStep() {
    }

    /**
     * @param buffer the momentum buffer ({@code n} floats), unused (may be null) when momentum is 0
     * @param first  whether this is the buffer's first step (it is then set to d)
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff,
                             MemorySegment buffer, long bOff, float lr, float momentum, float dampening,
                             boolean nesterov, float weightDecay, boolean first) {
        Checks.floats("param", param, pOff, n);
        Checks.floats("grad", grad, gOff, n);
        if (momentum != 0f) {
            Checks.floats("momentum buffer", buffer, bOff, n);
        }
        // One branch-free loop: the flags become coefficients (exact: multiplying by 1 or adding
        // 0 * x changes nothing for finite values). Merging vectors from branches and masked
        // loads on every step made C2 box the vectors: 0.5 MB of garbage per LeNet step.
        float bufKeep = first ? 0f : momentum;                   // buf = bufKeep buf + bufTake d
        float bufTake = first ? 1f : 1f - dampening;
        float fromBuf = nesterov ? momentum : 1f;                // d = fromBuf buf + fromD d
        float fromD = nesterov ? 1f : 0f;
        long i = 0;
        if (momentum == 0f) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
                FloatVector d = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
                d.mul(-lr).add(p).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
            }
            for (; i < n; i++) {
                float p = FloatLanes.get(param, pOff + i);
                float d = p * weightDecay + FloatLanes.get(grad, gOff + i);
                FloatLanes.set(param, pOff + i, d * -lr + p);
            }
            return;
        }
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector d = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            FloatVector buf = FloatVector.fromMemorySegment(SPECIES, buffer, (bOff + i) * Float.BYTES, ORDER).mul(bufKeep).add(d.mul(bufTake));
            buf.intoMemorySegment(buffer, (bOff + i) * Float.BYTES, ORDER);
            d = buf.mul(fromBuf).add(d.mul(fromD));
            d.mul(-lr).add(p).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float d = p * weightDecay + FloatLanes.get(grad, gOff + i);
            float buf = FloatLanes.get(buffer, bOff + i) * bufKeep + d * bufTake;
            FloatLanes.set(buffer, bOff + i, buf);
            d = buf * fromBuf + d * fromD;
            FloatLanes.set(param, pOff + i, d * -lr + p);
        }
    }
}
