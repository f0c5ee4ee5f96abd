package dev.panamax.kernels.activation;

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
 * The parametric ReLU, {@code torch.nn.functional.prelu}: {@code y = x > 0 ? x : a x} with a
 * learned slope {@code a} per channel (or one for all), over {@code planes} contiguous planes of
 * {@code S} elements, plane {@code p} being channel {@code p mod C} ({@code [N, C, *]} data).
 * The backward gives {@code gx = gy (x > 0 ? 1 : a)} and adds {@code sum x gy} over the
 * non-positive inputs of each channel to its slope's gradient.
 */
public final class Prelu {

    private Prelu() {
    }

    /**
     * @param slopes C slopes, or 1 for every channel ({@code count})
     * @param y      the output, may be x itself
     */
    public static void forward(long planes, long channels, long plane, MemorySegment x, long xOff, MemorySegment slopes,
                               long sOff, long count, MemorySegment y, long yOff) {
        check(planes, channels, plane, x, xOff, slopes, sOff, count, "y", y, yOff);
        for (long p = 0; p < planes; p++) {
            float a = FloatLanes.get(slopes, sOff + (count == 1 ? 0 : p % channels));
            long at = p * plane;
            long i = 0;
            for (; i <= plane - LANES; i += LANES) {
                FloatVector v = FloatVector.fromMemorySegment(SPECIES, x, (xOff + at + i) * Float.BYTES, ORDER);
                VectorMask<Float> positive = v.compare(VectorOperators.GT, 0f);
                v.mul(a).blend(v, positive).intoMemorySegment(y, (yOff + at + i) * Float.BYTES, ORDER);
            }
            for (; i < plane; i++) {
                float v = FloatLanes.get(x, xOff + at + i);
                FloatLanes.set(y, yOff + at + i, v > 0 ? v : a * v);
            }
        }
    }

    /**
     * @param gx          the input gradient (written), may be gy itself
     * @param slopeGrads  the slopes' gradients, {@code count} floats, added to
     */
    public static void backward(long planes, long channels, long plane, MemorySegment x, long xOff, MemorySegment slopes,
                                long sOff, long count, MemorySegment gy, long gyOff, MemorySegment gx, long gxOff,
                                MemorySegment slopeGrads, long sgOff) {
        check(planes, channels, plane, x, xOff, slopes, sOff, count, "gy", gy, gyOff);
        Checks.floats("gx", gx, gxOff, Checks.elements(planes, plane));
        Checks.floats("slope gradients", slopeGrads, sgOff, count);
        for (long p = 0; p < planes; p++) {
            long k = count == 1 ? 0 : p % channels;
            float a = FloatLanes.get(slopes, sOff + k);
            long at = p * plane;
            double sum = 0;
            for (long i = 0; i < plane; i++) {
                float v = FloatLanes.get(x, xOff + at + i);
                float g = FloatLanes.get(gy, gyOff + at + i);
                if (v > 0) {
                    FloatLanes.set(gx, gxOff + at + i, g);
                } else {
                    FloatLanes.set(gx, gxOff + at + i, a * g);
                    sum += (double) v * g;
                }
            }
            FloatLanes.set(slopeGrads, sgOff + k, (float) (FloatLanes.get(slopeGrads, sgOff + k) + sum));
        }
    }

    private static void check(long planes, long channels, long plane, MemorySegment x, long xOff, MemorySegment slopes,
                              long sOff, long count, String outName, MemorySegment out, long outOff) {
        Checks.nonNegative("planes", planes);
        Checks.positive("channels", channels);
        Checks.nonNegative("plane", plane);
        if (count != 1 && count != channels) {
            throw new IllegalArgumentException("PReLU needs 1 slope or one per channel (" + channels + "), got " + count);
        }
        Checks.floats("slopes", slopes, sOff, count);
        Checks.floats("x", x, xOff, Checks.elements(planes, plane));
        Checks.floats(outName, out, outOff, Checks.elements(planes, plane));
    }
}
