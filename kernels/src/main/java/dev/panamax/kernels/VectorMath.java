package dev.panamax.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Elementwise functions on whole vectors, in their numerically stable forms. The
 * transcendental lanewise operators of the Vector API (EXP, LOG1P, TANH, EXPM1) compile to
 * the JDK's vectorized math library (about 1 ulp); what it lacks (erf) is built here.
 */
public final class VectorMath {

    private VectorMath() {
    }

    /** {@code 1 / (1 + exp(-x))}: exp(-x) overflows to +inf for very negative x, giving 0, never NaN. */
    public static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    /**
     * {@code log(1 + exp(x))} as {@code max(x, 0) + log1p(exp(-|x|))}: exp never overflows and
     * the small term keeps full relative precision for large negative x.
     */
    public static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(x.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
    }

    // erf as x * P(x^2) / Q(x^2) on [-4, 4] (beyond, erf is +-1 to float precision): a minimax
    // rational approximation in the form Eigen uses for float, a few ulp over the whole range.
    private static final float A1 = -1.60960333262415e-02f;
    private static final float A3 = -2.95459980854025e-03f;
    private static final float A5 = -7.34990630326855e-04f;
    private static final float A7 = -5.69250639462346e-05f;
    private static final float A9 = -2.10102402082508e-06f;
    private static final float A11 = 2.77068142495902e-08f;
    private static final float A13 = -2.72614225801306e-10f;
    private static final float B0 = -1.42647390514189e-02f;
    private static final float B2 = -7.37332916720468e-03f;
    private static final float B4 = -1.68282697438203e-03f;
    private static final float B6 = -2.13374055278905e-04f;
    private static final float B8 = -1.45660718464996e-05f;

    /** The error function. NaN stays NaN (the clamp uses max/min, which propagate NaN). */
    public static FloatVector erf(FloatVector x) {
        FloatVector c = x.max(-4f).min(4f);
        FloatVector x2 = c.mul(c);
        FloatVector p = x2.fma(A13, A11);
        p = p.fma(x2, x2.broadcast(A9));
        p = p.fma(x2, x2.broadcast(A7));
        p = p.fma(x2, x2.broadcast(A5));
        p = p.fma(x2, x2.broadcast(A3));
        p = p.fma(x2, x2.broadcast(A1));
        p = p.mul(c);
        FloatVector q = x2.fma(B8, B6);
        q = q.fma(x2, x2.broadcast(B4));
        q = q.fma(x2, x2.broadcast(B2));
        q = q.fma(x2, x2.broadcast(B0));
        return p.div(q);
    }
}
