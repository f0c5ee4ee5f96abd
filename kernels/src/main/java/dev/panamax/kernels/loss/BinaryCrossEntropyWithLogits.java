package dev.panamax.kernels.loss;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Binary cross-entropy on logits, {@code torch.nn.functional.binary_cross_entropy_with_logits}
 * with an optional {@code pos_weight} broadcast over the last dimension: the mean or the sum
 * ({@link Reduction}) from {@link #forward}, each element's from {@link #elementLosses}.
 *
 * <p>Per element, with {@code p = pos_weight[c]}, {@code t} the target:
 * {@code -(p t log sigmoid(x) + (1-t) log(1 - sigmoid(x))) = (1-t) x + (p t + 1 - t) softplus(-x)},
 * since {@code log sigmoid(x) = -softplus(-x)} and {@code log(1 - sigmoid(x)) = -x - softplus(-x)}:
 * no {@code log} of a rounded probability, no overflow for any finite x.
 *
 * <p>Layout: logits and target {@code [rows, C]} contiguous; pos_weight {@code [C]} or null.
 */
public final class BinaryCrossEntropyWithLogits {

    private BinaryCrossEntropyWithLogits() {
    }

    /** The mean loss over {@code rows * C} elements. */
    public static float forward(long rows, long c, MemorySegment logits, long xOff, MemorySegment target, long tOff,
                                MemorySegment posWeight, long pOff) {
        return forward(rows, c, logits, xOff, target, tOff, posWeight, pOff, Reduction.MEAN);
    }

    /** The loss reduced by {@link Reduction#MEAN} or {@link Reduction#SUM}; {@link #elementLosses} unreduced. */
    public static float forward(long rows, long c, MemorySegment logits, long xOff, MemorySegment target, long tOff,
                                MemorySegment posWeight, long pOff, Reduction reduction) {
        Reduction.scalar(reduction, "BinaryCrossEntropyWithLogits.elementLosses");
        check(rows, c, logits, xOff, target, tOff, posWeight, pOff);
        double total = 0;
        for (long r = 0; r < rows; r++) {
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            for (long k = 0; k < c; k += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, c - k));
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, logits, (xOff + r * c + k) * Float.BYTES, ORDER, m);
                FloatVector t = FloatVector.fromMemorySegment(SPECIES, target, (tOff + r * c + k) * Float.BYTES, ORDER, m);
                FloatVector oneMinusT = t.neg().add(1f);
                FloatVector coef = posWeight == null ? FloatVector.broadcast(FloatLanes.SPECIES, 1f)
                        : FloatVector.fromMemorySegment(SPECIES, posWeight, (pOff + k) * Float.BYTES, ORDER, m).mul(t).add(oneMinusT);
                acc = acc.add(oneMinusT.mul(x).add(coef.mul(VectorMath.softplus(x.neg()))), m);
            }
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_2)); }
            acc = acc.add(acc.rearrange(FloatLanes.PAIR_1));
            total += acc.lane(0);
        }
        return (float) (reduction == Reduction.SUM ? total : total / (rows * c));
    }

    /**
     * Each element's loss, unreduced ({@link Reduction#NONE}).
     *
     * @param out {@code [rows, C]} contiguous, written
     */
    public static void elementLosses(long rows, long c, MemorySegment logits, long xOff, MemorySegment target, long tOff,
                                     MemorySegment posWeight, long pOff, MemorySegment out, long oOff) {
        check(rows, c, logits, xOff, target, tOff, posWeight, pOff);
        Checks.floats("out", out, oOff, Checks.elements(rows, c));
        for (long r = 0; r < rows; r++) {
            for (long k = 0; k < c; k += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, c - k));
                long e = r * c + k;
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, logits, (xOff + e) * Float.BYTES, ORDER, m);
                FloatVector t = FloatVector.fromMemorySegment(SPECIES, target, (tOff + e) * Float.BYTES, ORDER, m);
                FloatVector oneMinusT = t.neg().add(1f);
                FloatVector coef = posWeight == null ? FloatVector.broadcast(FloatLanes.SPECIES, 1f)
                        : FloatVector.fromMemorySegment(SPECIES, posWeight, (pOff + k) * Float.BYTES, ORDER, m).mul(t).add(oneMinusT);
                oneMinusT.mul(x).add(coef.mul(VectorMath.softplus(x.neg()))).intoMemorySegment(out, (oOff + e) * Float.BYTES, ORDER, m);
            }
        }
    }

    /**
     * The gradient of the mean's logits scaled by {@code gradLoss}:
     * {@code ((1-t) - (p t + 1 - t) sigmoid(-x)) * gradLoss / (rows C)}.
     */
    public static void backward(long rows, long c, MemorySegment logits, long xOff, MemorySegment target, long tOff,
                                MemorySegment posWeight, long pOff, float gradLoss, MemorySegment grad, long gOff) {
        backward(rows, c, logits, xOff, target, tOff, posWeight, pOff, Reduction.MEAN, gradLoss, grad, gOff);
    }

    /**
     * The gradient of the {@link Reduction#MEAN} (as above) or of the {@link Reduction#SUM}
     * (without the {@code 1/(rows C)}); {@link #elementsBackward} for {@link Reduction#NONE}.
     */
    public static void backward(long rows, long c, MemorySegment logits, long xOff, MemorySegment target, long tOff,
                                MemorySegment posWeight, long pOff, Reduction reduction, float gradLoss,
                                MemorySegment grad, long gOff) {
        Reduction.scalar(reduction, "BinaryCrossEntropyWithLogits.elementsBackward");
        check(rows, c, logits, xOff, target, tOff, posWeight, pOff);
        Checks.floats("grad", grad, gOff, Checks.elements(rows, c));
        float scale = (float) (reduction == Reduction.SUM ? gradLoss : (double) gradLoss / (rows * c));
        // The formula is written out in each loop of this class rather than in a method: one that
        // returned a vector, or took this loop with its scale, was not inlined or not unswitched on
        // pos_weight, and C2 boxed the vectors (10-100 KB per call of 64 x 37).
        for (long r = 0; r < rows; r++) {
            for (long k = 0; k < c; k += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, c - k));
                long e = r * c + k;
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, logits, (xOff + e) * Float.BYTES, ORDER, m);
                FloatVector t = FloatVector.fromMemorySegment(SPECIES, target, (tOff + e) * Float.BYTES, ORDER, m);
                FloatVector oneMinusT = t.neg().add(1f);
                FloatVector coef = posWeight == null ? FloatVector.broadcast(FloatLanes.SPECIES, 1f)
                        : FloatVector.fromMemorySegment(SPECIES, posWeight, (pOff + k) * Float.BYTES, ORDER, m).mul(t).add(oneMinusT);
                FloatVector g = oneMinusT.sub(coef.mul(VectorMath.sigmoid(x.neg()))).mul(scale);
                g.intoMemorySegment(grad, (gOff + e) * Float.BYTES, ORDER, m);
            }
        }
    }

    /**
     * The gradient of the logits given each element loss's upstream gradient ({@link #elementLosses}):
     * {@code ((1-t) - (p t + 1 - t) sigmoid(-x)) * gradLosses}.
     *
     * @param gradLosses {@code [rows, C]} contiguous
     */
    public static void elementsBackward(long rows, long c, MemorySegment logits, long xOff, MemorySegment target,
                                        long tOff, MemorySegment posWeight, long pOff, MemorySegment gradLosses,
                                        long glOff, MemorySegment grad, long gOff) {
        check(rows, c, logits, xOff, target, tOff, posWeight, pOff);
        Checks.floats("gradLosses", gradLosses, glOff, Checks.elements(rows, c));
        Checks.floats("grad", grad, gOff, Checks.elements(rows, c));
        backward(rows, c, logits, xOff, target, tOff, posWeight, pOff, Reduction.SUM, 1f, grad, gOff);
        // then times each element's upstream gradient, in a pass of its own: a second form of
        // that loop made C2 box its vectors
        long n = rows * c;
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - i));
            FloatVector.fromMemorySegment(SPECIES, grad, (gOff + i) * Float.BYTES, ORDER, m)
                    .mul(FloatVector.fromMemorySegment(SPECIES, gradLosses, (glOff + i) * Float.BYTES, ORDER, m))
                    .intoMemorySegment(grad, (gOff + i) * Float.BYTES, ORDER, m);
        }
    }

    private static void check(long rows, long c, MemorySegment logits, long xOff, MemorySegment target, long tOff,
                              MemorySegment posWeight, long pOff) {
        Checks.nonNegative("rows", rows);
        Checks.positive("C", c);
        Checks.floats("logits", logits, xOff, Checks.elements(rows, c));
        Checks.floats("target", target, tOff, Checks.elements(rows, c));
        if (posWeight != null) {
            Checks.floats("pos_weight", posWeight, pOff, c);
        }
    }
}
