package dev.panamax.kernels.loss;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Mean squared error over {@code n} contiguous elements: {@code loss = mean((input - target)^2)},
 * {@code torch.nn.functional.mse_loss(reduction="mean")}.
 */
public final class MseLoss {

    private MseLoss() {
    }

    /** The mean loss ({@code NaN} for {@code n = 0}, as PyTorch). */
    public static float forward(long n, MemorySegment input, long iOff, MemorySegment target, long tOff) {
        Checks.floats("input", input, iOff, n);
        Checks.floats("target", target, tOff, n);
        double total = 0;
        for (long start = 0; start < n; start += Reductions.BLOCK) {
            long end = Math.min(n, start + Reductions.BLOCK);
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            for (long i = start; i < end; i += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, end - i));
                FloatVector d = FloatVector.fromMemorySegment(SPECIES, input, (iOff + i) * Float.BYTES, ORDER, m).sub(FloatVector.fromMemorySegment(SPECIES, target, (tOff + i) * Float.BYTES, ORDER, m));
                acc = d.fma(d, acc);
            }
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_2)); }
            acc = acc.add(acc.rearrange(FloatLanes.PAIR_1));
            total += acc.lane(0);
        }
        return (float) (total / n);
    }

    /**
     * Gradients scaled by {@code gradLoss}: {@code gInput = 2 (input - target) gradLoss / n},
     * {@code gTarget = -gInput}. Either output may be null when not wanted.
     */
    public static void backward(long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                float gradLoss, MemorySegment gInput, long giOff, MemorySegment gTarget, long gtOff) {
        Checks.floats("input", input, iOff, n);
        Checks.floats("target", target, tOff, n);
        if (gInput != null) {
            Checks.floats("gInput", gInput, giOff, n);
        }
        if (gTarget != null) {
            Checks.floats("gTarget", gTarget, gtOff, n);
        }
        float scale = (float) (2.0 * gradLoss / n);
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, input, (iOff + i) * Float.BYTES, ORDER, m).sub(FloatVector.fromMemorySegment(SPECIES, target, (tOff + i) * Float.BYTES, ORDER, m)).mul(scale);
            if (gInput != null) {
                g.intoMemorySegment(gInput, (giOff + i) * Float.BYTES, ORDER, m);
            }
            if (gTarget != null) {
                g.neg().intoMemorySegment(gTarget, (gtOff + i) * Float.BYTES, ORDER, m);
            }
        }
    }
}
