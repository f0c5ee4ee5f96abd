package dev.panamax.kernels.activation;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code y = f(x)} elementwise, for every {@link Activation}.
 *
 * <p>One loop serves all functions: the function is chosen by a switch inside the loop body,
 * whose cases are small static methods that C2 inlines, so the vectors stay in registers
 * (a virtual call per function would be megamorphic here and box every vector). The switch
 * costs one predicted branch per {@link FloatLanes#LANES} elements.
 */
public final class ActivationForward {

    static final float SELU_ALPHA = 1.6732632423543772848170429916717f;
    static final float SELU_SCALE = 1.0507009873554804934193349852946f;
    static final float SQRT_HALF = (float) Math.sqrt(0.5);
    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    static final float GELU_CUBIC = 0.044715f;

    private ActivationForward() {
    }

    /**
     * Applies {@code f} to {@code n} elements.
     *
     * @param f       the activation
     * @param x       input; element {@code i} at {@code xOff + i * xStride}
     * @param y       output, may be {@code x} itself (in place) when the layouts are equal
     * @param n       element count
     */
    public static void apply(Activation f, MemorySegment x, long xOff, long xStride,
                             MemorySegment y, long yOff, long yStride, long n) {
        Checks.floats("x", x, xOff, n, xStride);
        Checks.floats("y", y, yOff, n, yStride);
        Activation.Kind op = f.kind();
        float a = f.a();
        float b = f.b();
        if (xStride == 1 && yStride == 1) {
            long i = 0;
            for (long end = n - LANES; i <= end; i += LANES) {
                FloatLanes.store(eval(op, FloatLanes.load(x, xOff + i), a, b), y, yOff + i);
            }
            if (i < n) {
                VectorMask<Float> m = FloatLanes.firstLanes(n - i);
                FloatLanes.store(eval(op, FloatLanes.load(x, xOff + i, m), a, b), y, yOff + i, m);
            }
        } else {
            float[] scratch = new float[LANES];
            for (long i = 0; i < n; i += LANES) {
                int count = (int) Math.min(LANES, n - i);
                FloatVector v = FloatLanes.gather(x, xOff + i * xStride, xStride, count, scratch);
                FloatLanes.scatter(eval(op, v, a, b), y, yOff + i * yStride, yStride, count, scratch);
            }
        }
    }

    /** {@code f(x)} on one vector. */
    static FloatVector eval(Activation.Kind op, FloatVector x, float a, float b) {
        return switch (op) {
            case RELU -> x.max(0f);
            case RELU6 -> x.max(0f).min(6f);
            case LEAKY_RELU -> x.blend(x.mul(a), x.compare(VectorOperators.LE, 0f));
            case ELU -> elu(x, a);
            case SELU -> elu(x, SELU_ALPHA).mul(SELU_SCALE);
            case SILU -> x.mul(VectorMath.sigmoid(x));
            case GELU -> gelu(x);
            case GELU_TANH -> geluTanh(x);
            case TANH -> x.lanewise(VectorOperators.TANH);
            case SIGMOID -> VectorMath.sigmoid(x);
            case SOFTPLUS -> softplus(x, a, b);
            case MISH -> x.mul(VectorMath.softplus(x).lanewise(VectorOperators.TANH));
            case HARDSWISH -> x.mul(x.add(3f).max(0f).min(6f)).mul(1f / 6f);
        };
    }

    static FloatVector elu(FloatVector x, float alpha) {
        return x.blend(x.lanewise(VectorOperators.EXPM1).mul(alpha), x.compare(VectorOperators.LE, 0f));
    }

    private static FloatVector gelu(FloatVector x) {
        return x.mul(0.5f).mul(VectorMath.erf(x.mul(SQRT_HALF)).add(1f));
    }

    private static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(x).mul(GELU_CUBIC).add(x).mul(SQRT_2_OVER_PI);
        return x.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
    }

    private static FloatVector softplus(FloatVector x, float beta, float threshold) {
        FloatVector bx = x.mul(beta);
        return VectorMath.softplus(bx).div(beta).blend(x, bx.compare(VectorOperators.GT, threshold));
    }

}
