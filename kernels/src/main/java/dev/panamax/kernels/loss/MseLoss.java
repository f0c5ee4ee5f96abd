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
 * Squared error over {@code n} contiguous elements, {@code torch.nn.functional.mse_loss(input,
 * target, reduction)}: {@code mean((input - target)^2)} or the sum ({@link Reduction}) from
 * {@link #forward}, each element's from {@link #elementLosses}.
 */
public final class MseLoss {

    private MseLoss() {
    }

    /** The mean loss ({@code NaN} for {@code n = 0}, as PyTorch). */
    public static float forward(long n, MemorySegment input, long iOff, MemorySegment target, long tOff) {
        return forward(n, input, iOff, target, tOff, Reduction.MEAN);
    }

    /** The loss reduced by {@link Reduction#MEAN} or {@link Reduction#SUM}; {@link #elementLosses} unreduced. */
    public static float forward(long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                Reduction reduction) {
        Reduction.scalar(reduction, "MseLoss.elementLosses");
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
        return (float) (reduction == Reduction.SUM ? total : total / n);
    }

    /**
     * Each element's loss, unreduced ({@link Reduction#NONE}): {@code (input - target)^2}.
     *
     * @param out {@code [n]} contiguous, written (it may be the input or the target)
     */
    public static void elementLosses(long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                     MemorySegment out, long oOff) {
        Checks.floats("input", input, iOff, n);
        Checks.floats("target", target, tOff, n);
        Checks.floats("out", out, oOff, n);
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, input, (iOff + i) * Float.BYTES, ORDER, m).sub(FloatVector.fromMemorySegment(SPECIES, target, (tOff + i) * Float.BYTES, ORDER, m));
            d.mul(d).intoMemorySegment(out, (oOff + i) * Float.BYTES, ORDER, m);
        }
    }

    /**
     * Gradients of the mean, scaled by {@code gradLoss}: {@code gInput = 2 (input - target) gradLoss / n},
     * {@code gTarget = -gInput}. Either output may be null when not wanted.
     */
    public static void backward(long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                float gradLoss, MemorySegment gInput, long giOff, MemorySegment gTarget, long gtOff) {
        backward(n, input, iOff, target, tOff, Reduction.MEAN, gradLoss, gInput, giOff, gTarget, gtOff);
    }

    /**
     * Gradients of the {@link Reduction#MEAN} (as above) or the {@link Reduction#SUM} (without the
     * {@code 1/n}), scaled by {@code gradLoss}; {@link #elementsBackward} for {@link Reduction#NONE}.
     */
    public static void backward(long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                Reduction reduction, float gradLoss, MemorySegment gInput, long giOff,
                                MemorySegment gTarget, long gtOff) {
        Reduction.scalar(reduction, "MseLoss.elementsBackward");
        checkGradients(n, input, iOff, target, tOff, gInput, giOff, gTarget, gtOff);
        float scale = (float) (reduction == Reduction.SUM ? 2.0 * gradLoss : 2.0 * gradLoss / n);
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, input, (iOff + i) * Float.BYTES, ORDER, m).sub(FloatVector.fromMemorySegment(SPECIES, target, (tOff + i) * Float.BYTES, ORDER, m)).mul(scale);
            store(g, m, i, gInput, giOff, gTarget, gtOff);
        }
    }

    /**
     * Gradients given each element loss's upstream gradient ({@link #elementLosses}):
     * {@code gInput = 2 (input - target) gradLosses}, {@code gTarget = -gInput}. Either output may
     * be null when not wanted.
     *
     * @param gradLosses {@code [n]} contiguous
     */
    public static void elementsBackward(long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                        MemorySegment gradLosses, long glOff, MemorySegment gInput, long giOff,
                                        MemorySegment gTarget, long gtOff) {
        checkGradients(n, input, iOff, target, tOff, gInput, giOff, gTarget, gtOff);
        Checks.floats("gradLosses", gradLosses, glOff, n);
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, input, (iOff + i) * Float.BYTES, ORDER, m).sub(FloatVector.fromMemorySegment(SPECIES, target, (tOff + i) * Float.BYTES, ORDER, m));
            FloatVector g = d.add(d).mul(FloatVector.fromMemorySegment(SPECIES, gradLosses, (glOff + i) * Float.BYTES, ORDER, m));
            store(g, m, i, gInput, giOff, gTarget, gtOff);
        }
    }

    private static void store(FloatVector g, VectorMask<Float> m, long i, MemorySegment gInput, long giOff,
                              MemorySegment gTarget, long gtOff) {
        if (gInput != null) {
            g.intoMemorySegment(gInput, (giOff + i) * Float.BYTES, ORDER, m);
        }
        if (gTarget != null) {
            g.neg().intoMemorySegment(gTarget, (gtOff + i) * Float.BYTES, ORDER, m);
        }
    }

    private static void checkGradients(long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                       MemorySegment gInput, long giOff, MemorySegment gTarget, long gtOff) {
        Checks.floats("input", input, iOff, n);
        Checks.floats("target", target, tOff, n);
        if (gInput != null) {
            Checks.floats("gInput", gInput, giOff, n);
        }
        if (gTarget != null) {
            Checks.floats("gTarget", gTarget, gtOff, n);
        }
    }
}
