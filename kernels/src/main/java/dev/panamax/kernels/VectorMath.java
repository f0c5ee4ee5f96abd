package dev.panamax.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Elementwise functions on whole vectors, in their numerically stable forms, built from
 * polynomials and bit manipulation instead of the Vector API's transcendental lanewise operators
 * (EXP, EXPM1, LOG, LOG1P, TANH): those call the JDK's vectorized math library in C2 code and
 * scalar {@code Math} in interpreted and C1 code, so their last bit depends on how warm the JVM
 * is (and on some CPUs they run lane by lane). Everything here is arithmetic, the same bits in
 * every tier.
 */
public final class VectorMath {

    private VectorMath() {
    }

    // exp: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, a degree-7 polynomial for e^r (the
    // coefficients of Cephes' expf, relative error below 2e-7), and 2^n built in the exponent
    // bits. About 15 vector operations, where the JDK's EXP operator (a 1-ulp library call)
    // costs two to three times as much; for softmax, sigmoid and the losses that is the time.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f;            // 1.5 * 2^23: adding it rounds to an integer
    private static final float EXP_HI = 88.72283f;                 // exp overflows above
    private static final float EXP_LO = -87.33654475055310898657f; // exp is below the smallest normal float
    private static final float E1 = 1.9875691500e-4f;
    private static final float E2 = 1.3981999507e-3f;
    private static final float E3 = 8.3334519073e-3f;
    private static final float E4 = 4.1665795894e-2f;
    private static final float E5 = 1.6666665459e-1f;
    private static final float E6 = 5.0000001201e-1f;

    /**
     * {@code e^x}, relative error below 2e-7 for normal results; +inf above 88.72, 0 below -87.34
     * (results that would be subnormal are flushed to 0), NaN for NaN.
     */
    public static FloatVector exp(FloatVector x) {
        return expNonPositive(x).blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
    }

    /**
     * {@code e^x} for {@code x <= 88.72} (softmax and log-sum-exp, where x is shifted by the
     * row maximum): {@link #exp} without its overflow test, two operations less.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        // No clamp of the input: Java's max/min semantics (NaN, -0.0) cost several instructions
        // each. Out-of-range lanes compute garbage and are replaced by a blend at the end.
        FloatVector t = x.fma(LOG2E, ROUND_MAGIC);     // the low mantissa bits of t hold n = round(x log2 e)
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), x);
        r = n.fma(x.broadcast(-LN2_LO), r);
        // Estrin's scheme: (E1 r + E2) r^4 + (E3 r + E4) r^2 + (E5 r + E6), three independent
        // pairs, so the dependency chain is two multiply-adds shorter than Horner's
        FloatVector r2 = r.mul(r);
        FloatVector hi = r.fma(E1, E2);
        FloatVector mid = r.fma(E3, E4);
        FloatVector lo = r.fma(E5, E6);
        FloatVector p = hi.fma(r2.mul(r2), mid.fma(r2, lo));
        p = p.fma(r2, r.add(1f));
        // p * 2^n by adding n to p's exponent: t's bits shifted left by 23 are exactly n << 23
        IntVector scaled = ((IntVector) p.reinterpretAsInts()).add(
                ((IntVector) t.reinterpretAsInts()).lanewise(VectorOperators.LSHL, 23));
        return scaled.reinterpretAsFloats().blend(0f, x.compare(VectorOperators.LT, EXP_LO));
    }

    /**
     * One lane of {@link #expNonPositive(FloatVector)}: the same operations in the same order, so
     * the same float to the bit. For the last elements of a row that do not fill a vector.
     */
    public static float expNonPositive(float x) {
        float t = Math.fma(x, LOG2E, ROUND_MAGIC);
        float n = t - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float r2 = r * r;
        float hi = Math.fma(r, E1, E2);
        float mid = Math.fma(r, E3, E4);
        float lo = Math.fma(r, E5, E6);
        float p = Math.fma(hi, r2 * r2, Math.fma(mid, r2, lo));
        p = Math.fma(p, r2, r + 1f);
        float scaled = Float.intBitsToFloat(Float.floatToRawIntBits(p) + (Float.floatToRawIntBits(t) << 23));
        return x < EXP_LO ? 0f : scaled;
    }

    /** {@code 1 / (1 + exp(-x))}: exp(-x) overflows to +inf for very negative x, giving 0, never NaN. */
    public static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(exp(x.neg()).add(1f));
    }

    // tanh as x P(x^2) / Q(x^2), a 13/6 rational minimax form (the coefficients Eigen and ONNX
    // Runtime use for float), a couple of ulp on [-9, 9]; beyond, tanh is +-1 in float. Only
    // multiply-adds and one division: the JDK's TANH operator is a library call several times
    // slower, and the recurrent cells apply tanh to a third of everything they touch.
    private static final float TANH_LIMIT = 9f;
    private static final float T1 = 4.89352455891786e-03f;
    private static final float T3 = 6.37261928875436e-04f;
    private static final float T5 = 1.48572235717979e-05f;
    private static final float T7 = 5.12229709037114e-08f;
    private static final float T9 = -8.60467152213735e-11f;
    private static final float T11 = 2.00018790482477e-13f;
    private static final float T13 = -2.76076847742355e-16f;
    private static final float U0 = 4.89352518554385e-03f;
    private static final float U2 = 2.26843463243900e-03f;
    private static final float U4 = 1.18534705686654e-04f;
    private static final float U6 = 1.19825839466702e-06f;

    /** The hyperbolic tangent, within 5 ulp (every float checked); +-1 beyond +-9, NaN for NaN. Blends instead of a clamp, as in {@link #exp}. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(T13, T11);
        p = p.fma(x2, x.broadcast(T9));
        p = p.fma(x2, x.broadcast(T7));
        p = p.fma(x2, x.broadcast(T5));
        p = p.fma(x2, x.broadcast(T3));
        p = p.fma(x2, x.broadcast(T1));
        FloatVector q = x2.fma(U6, U4);
        q = q.fma(x2, x.broadcast(U2));
        q = q.fma(x2, x.broadcast(U0));
        // x (p / q), not (x p) / q: for x near the smallest normal float, x p is subnormal and loses bits
        return x.mul(p.div(q))
                .blend(1f, x.compare(VectorOperators.GT, TANH_LIMIT))
                .blend(-1f, x.compare(VectorOperators.LT, -TANH_LIMIT));
    }

    /**
     * {@code log(1 + exp(x))} as {@code max(x, 0) + log1p(exp(-|x|))}: exp never overflows and
     * the small term keeps full relative precision for large negative x.
     */
    public static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(log1p(exp(x.abs().neg())));
    }

    // expm1: the reduction of exp (x = n ln2 + r), expm1(r) = r + r^2 q(r) with q the Taylor
    // series of (e^r - 1 - r) / r^2 to r^6 (the next term is below 3e-10 of the result), and
    // e^x - 1 = 2^n expm1(r) + (2^n - 1) in one multiply-add: 2^n - 1 is exact for the n where
    // the -1 matters, so nothing cancels. Arithmetic only, unlike the Vector API's EXPM1
    // operator, whose last bit differs between interpreted, C1 and C2 code.
    private static final float M2 = 1f / 2;
    private static final float M3 = 1f / 6;
    private static final float M4 = 1f / 24;
    private static final float M5 = 1f / 120;
    private static final float M6 = 1f / 720;
    private static final float M7 = 1f / 5040;
    private static final float M8 = 1f / 40320;
    private static final int ONE_BITS = 0x3f800000;
    private static final float EXPM1_MINUS_ONE = -18f;  // below, e^x < 2^-25: e^x - 1 rounds to -1
    private static final float EXPM1_SCALED = 88f;      // above, 2^n may not be a float: scale 1 + expm1(r) instead

    /**
     * {@code e^x - 1}, within 1 ulp of the exact value (every float checked against {@code Math.expm1}
     * in double); -1 below -18, +inf above 88.72, {@code x} itself at {@code ±0}, NaN for NaN.
     */
    public static FloatVector expm1(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), x);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector q = r.fma(M8, M7);
        q = q.fma(r, x.broadcast(M6));
        q = q.fma(r, x.broadcast(M5));
        q = q.fma(r, x.broadcast(M4));
        q = q.fma(r, x.broadcast(M3));
        q = q.fma(r, x.broadcast(M2));
        FloatVector m = r.mul(r).fma(q, r);
        IntVector nBits = ((IntVector) t.reinterpretAsInts()).lanewise(VectorOperators.LSHL, 23);
        FloatVector scale = nBits.add(ONE_BITS).reinterpretAsFloats();
        FloatVector big = ((IntVector) m.add(1f).reinterpretAsInts()).add(nBits).reinterpretAsFloats();
        return scale.fma(m, scale.sub(1f))
                .blend(big, x.compare(VectorOperators.GT, EXPM1_SCALED))
                .blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI))
                .blend(-1f, x.compare(VectorOperators.LT, EXPM1_MINUS_ONE))
                .blend(x, x.compare(VectorOperators.EQ, 0f));
    }

    // log: u = 2^k f with f in [sqrt(1/2), sqrt 2), found in the bits (adding 1 - sqrt(1/2)'s
    // bits carries into the exponent exactly when the mantissa is past sqrt 2, as musl's logf
    // does), then log f = s - s^2/2 + s^3 P(s) for s = f - 1, exact by Sterbenz's lemma (P is
    // Cephes' logf polynomial, relative error below 1e-7), and k ln 2 added in two parts.
    private static final int SQRT_HALF_BITS = 0x3f3504f3;
    private static final float L1 = 3.3333331174e-1f;
    private static final float L2 = -2.4999993993e-1f;
    private static final float L3 = 2.0000714765e-1f;
    private static final float L4 = -1.6668057665e-1f;
    private static final float L5 = 1.4249322787e-1f;
    private static final float L6 = -1.2420140846e-1f;
    private static final float L7 = 1.1676998740e-1f;
    private static final float L8 = -1.1514610310e-1f;
    private static final float L9 = 7.0376836292e-2f;
    private static final float SUBNORMAL_SCALE = 0x1p23f;

    /**
     * {@code log(u) + c} for a positive normal {@code u} and a correction {@code c} far below
     * u's ulp relative to u; garbage for anything else (the callers blend those lanes).
     */
    private static FloatVector logPlus(FloatVector u, FloatVector c) {
        IntVector ix = ((IntVector) u.reinterpretAsInts()).add(ONE_BITS - SQRT_HALF_BITS);
        FloatVector k = (FloatVector) ix.lanewise(VectorOperators.ASHR, 23).sub(127).convert(VectorOperators.I2F, 0);
        FloatVector s = ix.and(0x007fffff).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
        FloatVector z = s.mul(s);
        FloatVector p = s.fma(L9, L8);
        p = p.fma(s, s.broadcast(L7));
        p = p.fma(s, s.broadcast(L6));
        p = p.fma(s, s.broadcast(L5));
        p = p.fma(s, s.broadcast(L4));
        p = p.fma(s, s.broadcast(L3));
        p = p.fma(s, s.broadcast(L2));
        p = p.fma(s, s.broadcast(L1));
        FloatVector y = z.mul(s).fma(p, c);
        y = k.fma(k.broadcast(LN2_LO), y);
        y = z.fma(z.broadcast(-0.5f), y);
        return k.fma(k.broadcast(LN2_HI), s.add(y));
    }

    /**
     * The natural logarithm, within 1 ulp of the exact value (every float checked against
     * {@code Math.log} in double, subnormals included); -inf at {@code ±0}, NaN below 0 and for NaN, +inf at +inf.
     */
    public static FloatVector log(FloatVector x) {
        // a subnormal x is scaled into the normal range first, and its exponent taken back after
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector u = x.blend(x.mul(SUBNORMAL_SCALE), subnormal);
        FloatVector shift = x.broadcast(0f).blend(-23f * LN2_LO, subnormal);
        FloatVector l = logPlus(u, shift).add(x.broadcast(0f).blend(-23f * LN2_HI, subnormal));
        return l.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f))
                .blend(Float.NaN, x.compare(VectorOperators.LT, 0f))
                .blend(x, x.compare(VectorOperators.GT, Float.MAX_VALUE).or(x.compare(VectorOperators.NE, x)));
    }

    /**
     * {@code log(1 + x)}, within 1 ulp of the exact value (every float checked against
     * {@code Math.log1p} in double); {@code x} itself at {@code ±0}, -inf at -1, NaN below -1 and for NaN, +inf at
     * +inf. {@code 1 + x} is rounded to float and log taken of that, plus {@code (x - (u - 1)) / u}
     * for what the rounding lost: for small x, that is most of the answer.
     */
    public static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector c = x.sub(u.sub(1f)).div(u);
        return logPlus(u, c)
                .blend(x, x.compare(VectorOperators.EQ, 0f).or(x.compare(VectorOperators.GT, Float.MAX_VALUE))
                        .or(x.compare(VectorOperators.NE, x)))
                .blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, -1f))
                .blend(Float.NaN, x.compare(VectorOperators.LT, -1f));
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

    /** The error function; +-1 beyond +-4 (as float), NaN for NaN. Blends instead of a clamp, as in {@link #exp}. */
    public static FloatVector erf(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(A13, A11);
        p = p.fma(x2, x.broadcast(A9));
        p = p.fma(x2, x.broadcast(A7));
        p = p.fma(x2, x.broadcast(A5));
        p = p.fma(x2, x.broadcast(A3));
        p = p.fma(x2, x.broadcast(A1));
        FloatVector q = x2.fma(B8, B6);
        q = q.fma(x2, x.broadcast(B4));
        q = q.fma(x2, x.broadcast(B2));
        q = q.fma(x2, x.broadcast(B0));
        return p.mul(x).div(q)
                .blend(1f, x.compare(VectorOperators.GT, 4f))
                .blend(-1f, x.compare(VectorOperators.LT, -4f));
    }
}
