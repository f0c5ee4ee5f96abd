package dev.panamax.kernels.activation;

import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Each activation and its derivative on one vector, written once and used by the loops of
 * {@link ActivationForward} and {@link ActivationBackward}. Every method takes the
 * activation's two parameters {@code a, b} (see {@link Activation}) so the loops are uniform.
 * Piecewise derivatives put NaN back where a comparison would pick a finite branch.
 */
final class ActivationFormulas {

    static final float SELU_ALPHA = 1.6732632423543772848170429916717f;
    static final float SELU_SCALE = 1.0507009873554804934193349852946f;
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));
    private static final float GELU_CUBIC = 0.044715f;
    private static final float MISH_LINEAR = 20f;
    // VectorMath.erf's coefficients times (1/sqrt 2)^k, and 1/2 for the numerator; clamp 4 sqrt 2
    private static final float GELU_CLAMP = 5.65685424949238f;
    private static final float GP0 = -5.690807157595013e-03f;
    private static final float GP1 = -5.223043900778216e-04f;
    private static final float GP2 = -6.496460735158679e-05f;
    private static final float GP3 = -2.515756170991272e-06f;
    private static final float GP4 = -4.642651039253878e-08f;
    private static final float GP5 = 3.061199412650205e-10f;
    private static final float GP6 = -1.505995060250190e-12f;
    private static final float GQ0 = -1.426473905141890e-02f;
    private static final float GQ1 = -3.686664583602341e-03f;
    private static final float GQ2 = -4.207067435955076e-04f;
    private static final float GQ3 = -2.667175690986313e-05f;
    private static final float GQ4 = -9.103794904062254e-07f;

    private ActivationFormulas() {
    }

    // ---- f(x) ----

    static FloatVector relu(FloatVector x, float a, float b) {
        return x.max(0f);
    }

    static FloatVector relu6(FloatVector x, float a, float b) {
        return x.max(0f).min(6f);
    }

    static FloatVector leakyRelu(FloatVector x, float slope, float b) {
        return x.blend(x.mul(slope), x.compare(VectorOperators.LE, 0f));
    }

    static FloatVector elu(FloatVector x, float alpha, float b) {
        return x.blend(VectorMath.expm1(x).mul(alpha), x.compare(VectorOperators.LE, 0f));
    }

    static FloatVector selu(FloatVector x, float a, float b) {
        return elu(x, SELU_ALPHA, b).mul(SELU_SCALE);
    }

    static FloatVector silu(FloatVector x, float a, float b) {
        return x.mul(VectorMath.sigmoid(x));
    }

    /**
     * {@code x (1/2 + erf(x / sqrt 2) / 2)}, with the scale {@code 1/sqrt 2} and the factor 1/2 folded
     * into the coefficients of {@link VectorMath#erf}'s rational form: the same function in
     * three fewer operations, which matters because exact GELU is compute-bound at about 20
     * vector operations per 16 elements.
     */
    static FloatVector gelu(FloatVector x, float a, float b) {
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(GP6, GP5);
        p = p.fma(x2, x.broadcast(GP4));
        p = p.fma(x2, x.broadcast(GP3));
        p = p.fma(x2, x.broadcast(GP2));
        p = p.fma(x2, x.broadcast(GP1));
        p = p.fma(x2, x.broadcast(GP0));
        FloatVector q = x2.fma(GQ4, GQ3);
        q = q.fma(x2, x.broadcast(GQ2));
        q = q.fma(x2, x.broadcast(GQ1));
        q = q.fma(x2, x.broadcast(GQ0));
        // beyond |x| = 4 sqrt 2, erf is +-1 in float: GELU is x, or 0 (blends, not a costly clamp)
        return p.mul(x).div(q).add(0.5f).mul(x)
                .blend(x, x.compare(VectorOperators.GT, GELU_CLAMP))
                .blend(0f, x.compare(VectorOperators.LT, -GELU_CLAMP));
    }

    /**
     * GELU's tanh form {@code x (1 + tanh u) / 2}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)},
     * as {@code x sigmoid(2u)}: {@link VectorMath#sigmoid} is a quotient of positive terms,
     * accurate to a few ulp of itself. {@code 1 + tanh u} cancels where tanh u is near -1 and
     * keeps only tanh's own last-bit error: at x = -4.94 the derivative computed that way was
     * 70 % off (-4.2e-6 for -2.5e-6; PyTorch's float32, whose tanh is correctly rounded, 15 %),
     * past a conformance case's tolerance.
     */
    static FloatVector geluTanh(FloatVector x, float a, float b) {
        FloatVector u = x.mul(x).mul(x).mul(GELU_CUBIC).add(x).mul(SQRT_2_OVER_PI);
        return x.mul(VectorMath.sigmoid(u.mul(2f)));
    }

    static FloatVector tanh(FloatVector x, float a, float b) {
        return VectorMath.tanh(x);
    }

    static FloatVector sigmoid(FloatVector x, float a, float b) {
        return VectorMath.sigmoid(x);
    }

    /** {@code log1p(exp(beta x)) / beta}, or x where {@code beta x > threshold} (PyTorch's linear region). */
    static FloatVector softplus(FloatVector x, float beta, float threshold) {
        FloatVector bx = x.mul(beta);
        return VectorMath.softplus(bx).div(beta).blend(x, bx.compare(VectorOperators.GT, threshold));
    }

    /**
     * {@code x tanh(softplus(x))} with one exp: for {@code u = e^x},
     * {@code tanh(log(1 + u)) = u (u + 2) / (u (u + 2) + 2)}. Above x = 20 that is 1 in float
     * (and u (u + 2) may overflow), so those lanes are x.
     */
    static FloatVector mish(FloatVector x, float a, float b) {
        return x.mul(mishTanh(VectorMath.expNonPositive(x))).blend(x, x.compare(VectorOperators.GT, MISH_LINEAR));
    }

    private static FloatVector mishTanh(FloatVector u) {
        FloatVector n = u.add(2f).mul(u);
        return n.div(n.add(2f));
    }

    static FloatVector hardswish(FloatVector x, float a, float b) {
        return x.mul(x.add(3f).max(0f).min(6f)).mul(1f / 6f);
    }

    static FloatVector hardsigmoid(FloatVector x, float a, float b) {
        return x.add(3f).max(0f).min(6f).mul(1f / 6f);
    }

    /** {@code min(max(x, a), b)}; NaN stays NaN (max and min propagate it, as PyTorch's clamp). */
    static FloatVector hardtanh(FloatVector x, float a, float b) {
        return x.max(a).min(b);
    }

    /** {@code x} above 0, {@code alpha expm1(x / alpha)} at or below (PyTorch's celu); NaN stays NaN. */
    static FloatVector celu(FloatVector x, float alpha, float b) {
        return x.blend(VectorMath.expm1(x.mul(1f / alpha)).mul(alpha), x.compare(VectorOperators.LE, 0f));
    }

    /** {@code -softplus(-x)}: exact for large |x| where {@code log(sigmoid(x))} would round to 0 or overflow. */
    static FloatVector logsigmoid(FloatVector x, float a, float b) {
        return VectorMath.softplus(x.neg()).neg();
    }

    static FloatVector softsign(FloatVector x, float a, float b) {
        return x.div(x.abs().add(1f));
    }

    static FloatVector tanhshrink(FloatVector x, float a, float b) {
        return x.sub(VectorMath.tanh(x));
    }

    /**
     * {@code x > l ? x - l : x < -l ? x + l : 0}, NaN kept (PyTorch's own kernels disagree there: 0
     * from some paths, NaN from others; here NaN propagates, as through every activation).
     */
    static FloatVector softshrink(FloatVector x, float lambda, float b) {
        return keepNan(x, x.broadcast(0f).blend(x.sub(lambda), x.compare(VectorOperators.GT, lambda))
                .blend(x.add(lambda), x.compare(VectorOperators.LT, -lambda)));
    }

    /** PyTorch's branches: {@code -l <= x <= l ? 0 : x}, so NaN stays NaN. */
    static FloatVector hardshrink(FloatVector x, float lambda, float b) {
        return x.blend(0f, x.compare(VectorOperators.GE, -lambda).and(x.compare(VectorOperators.LE, lambda)));
    }

    /** PyTorch's branches: {@code x <= threshold ? value : x}, so NaN stays NaN. */
    static FloatVector threshold(FloatVector x, float threshold, float value) {
        return x.blend(value, x.compare(VectorOperators.LE, threshold));
    }

    // ---- f'(x) ----

    static FloatVector reluDerivative(FloatVector x, float a, float b) {
        return keepNan(x, x.broadcast(0f).blend(1f, x.compare(VectorOperators.GT, 0f)));
    }

    static FloatVector relu6Derivative(FloatVector x, float a, float b) {
        return keepNan(x, x.broadcast(0f).blend(1f,
                x.compare(VectorOperators.GT, 0f).and(x.compare(VectorOperators.LT, 6f))));
    }

    static FloatVector leakyReluDerivative(FloatVector x, float slope, float b) {
        return keepNan(x, x.broadcast(1f).blend(slope, x.compare(VectorOperators.LE, 0f)));
    }

    static FloatVector eluDerivative(FloatVector x, float alpha, float b) {
        return keepNan(x, x.broadcast(1f).blend(VectorMath.exp(x).mul(alpha),
                x.compare(VectorOperators.LE, 0f)));
    }

    static FloatVector seluDerivative(FloatVector x, float a, float b) {
        return eluDerivative(x, SELU_ALPHA, b).mul(SELU_SCALE);
    }

    /** {@code d/dx x s(x) = s (1 + x (1 - s))}. */
    static FloatVector siluDerivative(FloatVector x, float a, float b) {
        FloatVector s = VectorMath.sigmoid(x);
        return s.mul(x.mul(s.neg().add(1f)).add(1f));
    }

    /**
     * The first half of GELU's derivative {@code Phi(x) + x phi(x)}: {@code x phi(x)}. The two
     * halves run as separate loops (see {@code ActivationBackward}): erf and exp in one loop
     * body exceed C2's node budget for inlining, and the vectors would be boxed.
     */
    static FloatVector geluDerivativeDensityTerm(FloatVector x) {
        return VectorMath.exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI).mul(x);
    }

    /** The second half of GELU's derivative: {@code Phi(x) = 1/2 + erf(x / sqrt 2) / 2}. */
    static FloatVector geluDerivativeCdfTerm(FloatVector x) {
        return VectorMath.erf(x.mul(SQRT_HALF)).add(1f).mul(0.5f);
    }

    /**
     * {@code sigmoid(2u) + x sech^2(u) u' / 2} with {@code w = e^(-2|u|)}: {@code sigmoid(2u)} is
     * {@code 1 / (1 + w)} or {@code w / (1 + w)} and {@code sech^2 u = 4 w / (1 + w)^2}, no
     * difference of nearly equal terms (see {@link #geluTanh}), from one exponential: with
     * {@code e^(-2u)} instead of w, sech^2 would be inf times 0 below u = -44.
     */
    static FloatVector geluTanhDerivative(FloatVector x, float a, float b) {
        float k = SQRT_2_OVER_PI;
        FloatVector x2 = x.mul(x);
        FloatVector u = x2.mul(x).mul(GELU_CUBIC).add(x).mul(k);
        FloatVector w = VectorMath.exp(u.abs().mul(-2f));
        FloatVector r = x.broadcast(1f).div(w.add(1f));
        FloatVector s = r.blend(w.mul(r), u.compare(VectorOperators.LT, 0f));
        FloatVector dInner = x2.mul(3f * GELU_CUBIC * k).add(k);          // k (1 + 3 c x^2)
        return s.add(x.mul(2f).mul(w).mul(r).mul(r).mul(dInner));
    }

    /**
     * {@code sech^2 x = 4 w / (1 + w)^2}, {@code w = e^(-2|x|)}, rather than {@code 1 - tanh^2 x},
     * which near saturation is a difference of nearly equal terms and keeps tanh's last-bit error
     * (a few ulp of 1: at x = -8.15, 5.7e-7 off a derivative of 3.3e-7).
     */
    static FloatVector tanhDerivative(FloatVector x, float a, float b) {
        FloatVector w = VectorMath.exp(x.abs().mul(-2f));
        FloatVector r = x.broadcast(1f).div(w.add(1f));
        return w.mul(4f).mul(r).mul(r);
    }

    static FloatVector sigmoidDerivative(FloatVector x, float a, float b) {
        FloatVector s = VectorMath.sigmoid(x);
        return s.mul(s.neg().add(1f));
    }

    static FloatVector softplusDerivative(FloatVector x, float beta, float threshold) {
        FloatVector bx = x.mul(beta);
        return VectorMath.sigmoid(bx).blend(1f, bx.compare(VectorOperators.GT, threshold));
    }

    /**
     * {@code t + x (1 - t^2) sigmoid(x)} with {@code t = tanh(softplus(x))}, from one exp and one
     * division: with {@code u = e^x}, {@code n = u (u + 2)}, {@code w = n + 2}, it simplifies to
     * {@code (n w + 4 x u (u + 1)) / w^2}. 1 above x = 20.
     */
    static FloatVector mishDerivative(FloatVector x, float a, float b) {
        FloatVector u = VectorMath.expNonPositive(x);     // lanes above 88 overflow, but are replaced below
        FloatVector n = u.add(2f).mul(u);
        FloatVector w = n.add(2f);
        FloatVector numerator = x.mul(4f).mul(u).mul(u.add(1f)).add(n.mul(w));
        return numerator.div(w.mul(w)).blend(1f, x.compare(VectorOperators.GT, MISH_LINEAR));
    }

    /** 0 below -3, {@code (2x + 3)/6} in between, 1 above 3 (PyTorch's choice at the kinks). */
    static FloatVector hardswishDerivative(FloatVector x, float a, float b) {
        FloatVector middle = x.mul(2f / 6f).add(3f / 6f);
        return middle.blend(0f, x.compare(VectorOperators.LT, -3f)).blend(1f, x.compare(VectorOperators.GT, 3f));
    }

    /** 1/6 strictly between -3 and 3, else 0 (PyTorch's hardsigmoid_backward). */
    static FloatVector hardsigmoidDerivative(FloatVector x, float a, float b) {
        return keepNan(x, x.broadcast(0f).blend(1f / 6f,
                x.compare(VectorOperators.GT, -3f).and(x.compare(VectorOperators.LT, 3f))));
    }

    /** 1 strictly between min and max, else 0 (PyTorch's hardtanh_backward). */
    static FloatVector hardtanhDerivative(FloatVector x, float a, float b) {
        return keepNan(x, x.broadcast(0f).blend(1f, x.compare(VectorOperators.GT, a).and(x.compare(VectorOperators.LT, b))));
    }

    /** 1 above 0, {@code exp(x / alpha)} at or below. */
    static FloatVector celuDerivative(FloatVector x, float alpha, float b) {
        return keepNan(x, x.broadcast(1f).blend(VectorMath.exp(x.mul(1f / alpha)), x.compare(VectorOperators.LE, 0f)));
    }

    /** {@code 1 - sigmoid(x) = sigmoid(-x)}. */
    static FloatVector logsigmoidDerivative(FloatVector x, float a, float b) {
        return VectorMath.sigmoid(x.neg());
    }

    /** {@code 1 / (1 + |x|)^2}. */
    static FloatVector softsignDerivative(FloatVector x, float a, float b) {
        FloatVector d = x.abs().add(1f);
        return x.broadcast(1f).div(d.mul(d));
    }

    /** {@code tanh(x)^2}. */
    static FloatVector tanhshrinkDerivative(FloatVector x, float a, float b) {
        FloatVector t = VectorMath.tanh(x);
        return t.mul(t);
    }

    /** 0 on {@code [-lambda, lambda]} (its ends included, as PyTorch's shrink backward), else 1; for softshrink and hardshrink. */
    static FloatVector shrinkDerivative(FloatVector x, float lambda, float b) {
        return keepNan(x, x.broadcast(1f).blend(0f, x.compare(VectorOperators.GE, -lambda).and(x.compare(VectorOperators.LE, lambda))));
    }

    /** 0 at or below the threshold, else 1 (PyTorch's threshold_backward). */
    static FloatVector thresholdDerivative(FloatVector x, float threshold, float value) {
        return keepNan(x, x.broadcast(1f).blend(0f, x.compare(VectorOperators.LE, threshold)));
    }

    /** A piecewise derivative picks a finite branch for NaN; put the NaN back so that it propagates. */
    private static FloatVector keepNan(FloatVector x, FloatVector derivative) {
        return derivative.blend(x, x.test(VectorOperators.IS_NAN));
    }
}
