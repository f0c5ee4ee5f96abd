package dev.panamax.kernels.optim;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

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
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatVector p = FloatLanes.load(param, pOff + i, m);
            FloatVector d = FloatLanes.load(grad, gOff + i, m);
            if (weightDecay != 0f) {
                d = p.mul(weightDecay).add(d);
            }
            if (momentum != 0f) {
                FloatVector buf = first ? d : FloatLanes.load(buffer, bOff + i, m).mul(momentum).add(d.mul(1f - dampening));
                FloatLanes.store(buf, buffer, bOff + i, m);
                d = nesterov ? buf.mul(momentum).add(d) : buf;
            }
            FloatLanes.store(d.mul(-lr).add(p), param, pOff + i, m);
        }
    }
}
