package dev.panamax.kernels.activation;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code gx = gy * f'(x)} elementwise, for every {@link Activation}. The derivative is
 * recomputed from the input {@code x}, so a layer keeps only its input for backward.
 * Same loop structure as {@link ActivationForward}.
 */
public final class ActivationBackward {

    private static final float SQRT_HALF = ActivationForward.SQRT_HALF;
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));

    private ActivationBackward() {
    }

    /**
     * Computes the input gradient of {@code f} for {@code n} elements.
     *
     * @param x  the forward input
     * @param gy the gradient of the output
     * @param gx the gradient of the input (written; may alias {@code gy})
     */
    public static void apply(Activation f, MemorySegment x, long xOff, long xStride,
                             MemorySegment gy, long gyOff, long gyStride,
                             MemorySegment gx, long gxOff, long gxStride, long n) {
        Checks.floats("x", x, xOff, n, xStride);
        Checks.floats("gy", gy, gyOff, n, gyStride);
        Checks.floats("gx", gx, gxOff, n, gxStride);
        Activation.Kind op = f.kind();
        float a = f.a();
        float b = f.b();
        if (xStride == 1 && gyStride == 1 && gxStride == 1) {
            long i = 0;
            for (long end = n - LANES; i <= end; i += LANES) {
                FloatVector d = derivative(op, FloatLanes.load(x, xOff + i), a, b);
                FloatLanes.store(d.mul(FloatLanes.load(gy, gyOff + i)), gx, gxOff + i);
            }
            if (i < n) {
                VectorMask<Float> m = FloatLanes.firstLanes(n - i);
                FloatVector d = derivative(op, FloatLanes.load(x, xOff + i, m), a, b);
                FloatLanes.store(d.mul(FloatLanes.load(gy, gyOff + i, m)), gx, gxOff + i, m);
            }
        } else {
            float[] scratch = new float[LANES];
            for (long i = 0; i < n; i += LANES) {
                int count = (int) Math.min(LANES, n - i);
                FloatVector d = derivative(op, FloatLanes.gather(x, xOff + i * xStride, xStride, count, scratch), a, b);
                FloatVector g = FloatLanes.gather(gy, gyOff + i * gyStride, gyStride, count, scratch);
                FloatLanes.scatter(d.mul(g), gx, gxOff + i * gxStride, gxStride, count, scratch);
            }
        }
    }

    /** {@code f'(x)} on one vector. */
    static FloatVector derivative(Activation.Kind op, FloatVector x, float a, float b) {
        return switch (op) {
            case RELU -> keepNan(x, x.broadcast(0f).blend(1f, x.compare(VectorOperators.GT, 0f)));
            case RELU6 -> keepNan(x, x.broadcast(0f).blend(1f,
                    x.compare(VectorOperators.GT, 0f).and(x.compare(VectorOperators.LT, 6f))));
            case LEAKY_RELU -> keepNan(x, x.broadcast(1f).blend(a, x.compare(VectorOperators.LE, 0f)));
            case ELU -> keepNan(x, eluDerivative(x, a));
            case SELU -> keepNan(x, eluDerivative(x, ActivationForward.SELU_ALPHA).mul(ActivationForward.SELU_SCALE));
            case SILU -> siluDerivative(x);
            case GELU -> geluDerivative(x);
            case GELU_TANH -> geluTanhDerivative(x);
            case TANH -> tanhDerivative(x.lanewise(VectorOperators.TANH));
            case SIGMOID -> sigmoidDerivative(VectorMath.sigmoid(x));
            case SOFTPLUS -> softplusDerivative(x, a, b);
            case MISH -> mishDerivative(x);
            case HARDSWISH -> hardswishDerivative(x);
        };
    }

    /** A piecewise derivative picks a finite branch for NaN; put the NaN back so that it propagates. */
    private static FloatVector keepNan(FloatVector x, FloatVector derivative) {
        return derivative.blend(x, x.test(VectorOperators.IS_NAN));
    }

    private static FloatVector eluDerivative(FloatVector x, float alpha) {
        return x.broadcast(1f).blend(x.lanewise(VectorOperators.EXP).mul(alpha), x.compare(VectorOperators.LE, 0f));
    }

    private static FloatVector siluDerivative(FloatVector x) {
        FloatVector s = VectorMath.sigmoid(x);
        // d/dx x s(x) = s + x s (1 - s) = s (1 + x (1 - s))
        return s.mul(x.mul(s.neg().add(1f)).add(1f));
    }

    private static FloatVector geluDerivative(FloatVector x) {
        FloatVector cdf = VectorMath.erf(x.mul(SQRT_HALF)).add(1f).mul(0.5f);
        FloatVector pdf = x.mul(x).mul(-0.5f).lanewise(VectorOperators.EXP).mul(INV_SQRT_2PI);
        return x.fma(pdf, cdf);
    }

    private static FloatVector geluTanhDerivative(FloatVector x) {
        float k = ActivationForward.SQRT_2_OVER_PI;
        float c = ActivationForward.GELU_CUBIC;
        FloatVector x2 = x.mul(x);
        FloatVector t = x2.mul(x).mul(c).add(x).mul(k).lanewise(VectorOperators.TANH);
        FloatVector dInner = x2.fma(3f * c * k, k);                      // k (1 + 3 c x^2)
        FloatVector sech2 = t.mul(t).neg().add(1f);
        return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(sech2).mul(dInner));
    }

    private static FloatVector tanhDerivative(FloatVector t) {
        return t.mul(t).neg().add(1f);
    }

    private static FloatVector sigmoidDerivative(FloatVector s) {
        return s.mul(s.neg().add(1f));
    }

    private static FloatVector softplusDerivative(FloatVector x, float beta, float threshold) {
        FloatVector bx = x.mul(beta);
        return VectorMath.sigmoid(bx).blend(1f, bx.compare(VectorOperators.GT, threshold));
    }

    private static FloatVector mishDerivative(FloatVector x) {
        FloatVector t = VectorMath.softplus(x).lanewise(VectorOperators.TANH);
        // d/dx x tanh(sp(x)) = tanh(sp) + x (1 - tanh^2(sp)) sigmoid(x)
        return x.mul(tanhDerivative(t)).mul(VectorMath.sigmoid(x)).add(t);
    }

    private static FloatVector hardswishDerivative(FloatVector x) {
        FloatVector middle = x.mul(2f / 6f).add(3f / 6f);
        return middle.blend(0f, x.compare(VectorOperators.LT, -3f))
                .blend(1f, x.compare(VectorOperators.GT, 3f));
    }
}
