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
 * One RMSprop step over a parameter, fused into a single pass, with {@code torch.optim.RMSprop}'s
 * semantics (1.13): {@code g += weightDecay p}; {@code s = alpha s + (1 - alpha) g^2}; centred,
 * {@code a = alpha a + (1 - alpha) g} and {@code avg = sqrt(s - a^2) + eps}, else
 * {@code avg = sqrt(s) + eps}; with momentum {@code buf = momentum buf + g / avg} and
 * {@code p -= lr buf}, else {@code p -= lr g / avg}.
 */
public final class RmspropStep {

    private RmspropStep() {
    }

    /**
     * @param squareAvg s ({@code n} floats)
     * @param gradAvg   a when centred ({@code n} floats), else null
     * @param buffer    the momentum buffer when momentum is not 0 ({@code n} floats), else null
     */
    public static void apply(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff,
                             MemorySegment squareAvg, long sOff, MemorySegment gradAvg, long aOff,
                             MemorySegment buffer, long bOff, float lr, float alpha, float eps, float weightDecay,
                             float momentum) {
        Checks.floats("param", param, pOff, n);
        Checks.floats("grad", grad, gOff, n);
        Checks.floats("square_avg", squareAvg, sOff, n);
        if (gradAvg != null) {
            Checks.floats("grad_avg", gradAvg, aOff, n);
        }
        if (momentum != 0f) {
            Checks.floats("momentum_buffer", buffer, bOff, n);
        }
        // Each vector is stored where it is made, never merged from two branches (C2 boxes a
        // vector merged from branches): the centred and plain forms are two loops, and momentum
        // picks one of two stores.
        long i = gradAvg != null ? centred(n, param, pOff, grad, gOff, squareAvg, sOff, gradAvg, aOff, buffer, bOff, lr, alpha,
                eps, weightDecay, momentum)
                : plain(n, param, pOff, grad, gOff, squareAvg, sOff, buffer, bOff, lr, alpha, eps, weightDecay, momentum);
        for (; i < n; i++) {
            float p = FloatLanes.get(param, pOff + i);
            float g = FloatLanes.get(grad, gOff + i) + weightDecay * p;
            float s = alpha * FloatLanes.get(squareAvg, sOff + i) + (1f - alpha) * g * g;
            FloatLanes.set(squareAvg, sOff + i, s);
            float avg;
            if (gradAvg != null) {
                float a = alpha * FloatLanes.get(gradAvg, aOff + i) + (1f - alpha) * g;
                FloatLanes.set(gradAvg, aOff + i, a);
                avg = (float) Math.sqrt(s - a * a) + eps;
            } else {
                avg = (float) Math.sqrt(s) + eps;
            }
            float update = g / avg;
            if (momentum != 0f) {
                update = momentum * FloatLanes.get(buffer, bOff + i) + update;
                FloatLanes.set(buffer, bOff + i, update);
            }
            FloatLanes.set(param, pOff + i, p - lr * update);
        }
    }

    /** Whole vectors of the plain form; returns where the scalar tail starts. */
    private static long plain(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff,
                              MemorySegment squareAvg, long sOff, MemorySegment buffer, long bOff, float lr, float alpha,
                              float eps, float weightDecay, float momentum) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            FloatVector s = FloatVector.fromMemorySegment(SPECIES, squareAvg, (sOff + i) * Float.BYTES, ORDER).mul(alpha)
                    .add(g.mul(g).mul(1f - alpha));
            s.intoMemorySegment(squareAvg, (sOff + i) * Float.BYTES, ORDER);
            FloatVector update = g.div(s.lanewise(VectorOperators.SQRT).add(eps));
            step(param, pOff, buffer, bOff, i, p, update, lr, momentum);
        }
        return i;
    }

    /** Whole vectors of the centred form; returns where the scalar tail starts. */
    private static long centred(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff,
                                MemorySegment squareAvg, long sOff, MemorySegment gradAvg, long aOff, MemorySegment buffer,
                                long bOff, float lr, float alpha, float eps, float weightDecay, float momentum) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, param, (pOff + i) * Float.BYTES, ORDER);
            FloatVector g = p.mul(weightDecay).add(FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER));
            FloatVector s = FloatVector.fromMemorySegment(SPECIES, squareAvg, (sOff + i) * Float.BYTES, ORDER).mul(alpha)
                    .add(g.mul(g).mul(1f - alpha));
            s.intoMemorySegment(squareAvg, (sOff + i) * Float.BYTES, ORDER);
            FloatVector a = FloatVector.fromMemorySegment(SPECIES, gradAvg, (aOff + i) * Float.BYTES, ORDER).mul(alpha)
                    .add(g.mul(1f - alpha));
            a.intoMemorySegment(gradAvg, (aOff + i) * Float.BYTES, ORDER);
            FloatVector update = g.div(s.sub(a.mul(a)).lanewise(VectorOperators.SQRT).add(eps));
            step(param, pOff, buffer, bOff, i, p, update, lr, momentum);
        }
        return i;
    }

    /** {@code p -= lr update}, through the momentum buffer when there is one. */
    private static void step(MemorySegment param, long pOff, MemorySegment buffer, long bOff, long i, FloatVector p,
                             FloatVector update, float lr, float momentum) {
        if (momentum != 0f) {
            FloatVector b = FloatVector.fromMemorySegment(SPECIES, buffer, (bOff + i) * Float.BYTES, ORDER).mul(momentum).add(update);
            b.intoMemorySegment(buffer, (bOff + i) * Float.BYTES, ORDER);
            p.sub(b.mul(lr)).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        } else {
            p.sub(update.mul(lr)).intoMemorySegment(param, (pOff + i) * Float.BYTES, ORDER);
        }
    }
}
