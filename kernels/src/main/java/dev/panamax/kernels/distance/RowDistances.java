package dev.panamax.kernels.distance;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Distances and similarities between paired rows, with PyTorch 1.13's formulas: {@code n} rows
 * of {@code d} contiguous floats in each of two operands, one value per pair, and the gradients
 * of both operands given each value's upstream gradient. Sums run in double.
 *
 * <ul>
 * <li>{@code pairwise_distance}: {@code |x1 - x2 + eps|_p}, p finite and at least 1; where the
 *     distance is 0 the gradient is 0, as PyTorch's norm gives it.</li>
 * <li>{@code cosine_similarity}: {@code x1.x2 / (max(|x1|, eps) max(|x2|, eps))}; a norm clamped
 *     at eps is a constant in the gradient's denominators, as in PyTorch (whose clamp runs under
 *     {@code no_grad}).</li>
 * </ul>
 */
public final class RowDistances {

    private RowDistances() {
    }

    /** {@code out[i] = |x1[i] - x2[i] + eps|_p} for rows {@code [n, d]}. */
    public static void pairwise(long n, long d, MemorySegment x1, long o1, MemorySegment x2, long o2, double p, float eps,
                                MemorySegment out, long oOut) {
        checkRows("pairwise_distance", n, d, x1, o1, x2, o2);
        checkNorm(p);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            FloatLanes.set(out, oOut + i, (float) distance(d, x1, o1 + i * d, x2, o2 + i * d, eps, p));
        }
    }

    /** The gradients of {@link #pairwise}: {@code g1 = up d|v|_p/dv}, {@code g2 = -g1}, {@code [n, d]} each. */
    public static void pairwiseBackward(long n, long d, MemorySegment x1, long o1, MemorySegment x2, long o2, double p,
                                        float eps, MemorySegment gradOut, long ogo, MemorySegment g1, long og1,
                                        MemorySegment g2, long og2) {
        checkRows("pairwise_distance", n, d, x1, o1, x2, o2);
        checkNorm(p);
        Checks.floats("gradOut", gradOut, ogo, n);
        Checks.floats("g1", g1, og1, Checks.elements(n, d));
        Checks.floats("g2", g2, og2, Checks.elements(n, d));
        if (d == 0) {
            return;                               // empty rows: nothing to write, however many rows
        }
        for (long i = 0; i < n; i++) {
            long at = i * d;
            double norm = distance(d, x1, o1 + at, x2, o2 + at, eps, p);
            double up = FloatLanes.get(gradOut, ogo + i);
            for (long k = 0; k < d; k++) {
                double v = (double) FloatLanes.get(x1, o1 + at + k) - FloatLanes.get(x2, o2 + at + k) + eps;
                double g = up * slope(v, norm, p);
                FloatLanes.set(g1, og1 + at + k, (float) g);
                FloatLanes.set(g2, og2 + at + k, (float) -g);
            }
        }
    }

    /** {@code out[i]}: the cosine similarity of rows {@code x1[i]} and {@code x2[i]}, norms clamped at eps. */
    public static void cosine(long n, long d, MemorySegment x1, long o1, MemorySegment x2, long o2, float eps,
                              MemorySegment out, long oOut) {
        checkRows("cosine_similarity", n, d, x1, o1, x2, o2);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            long r1 = o1 + i * d;
            long r2 = o2 + i * d;
            double n1 = Math.max(Math.sqrt(dot(d, x1, r1, x1, r1)), eps);
            double n2 = Math.max(Math.sqrt(dot(d, x2, r2, x2, r2)), eps);
            FloatLanes.set(out, oOut + i, (float) (dot(d, x1, r1, x2, r2) / (n1 * n2)));
        }
    }

    /**
     * The gradients of {@link #cosine}: {@code g1 = up (x2 / (n1 n2) - cos x1 / n1^2)} and
     * symmetrically, {@code n1}, {@code n2} the clamped norms.
     */
    public static void cosineBackward(long n, long d, MemorySegment x1, long o1, MemorySegment x2, long o2, float eps,
                                      MemorySegment gradOut, long ogo, MemorySegment g1, long og1, MemorySegment g2, long og2) {
        checkRows("cosine_similarity", n, d, x1, o1, x2, o2);
        Checks.floats("gradOut", gradOut, ogo, n);
        Checks.floats("g1", g1, og1, Checks.elements(n, d));
        Checks.floats("g2", g2, og2, Checks.elements(n, d));
        if (d == 0) {
            return;
        }
        for (long i = 0; i < n; i++) {
            long r1 = o1 + i * d;
            long r2 = o2 + i * d;
            double n1 = Math.max(Math.sqrt(dot(d, x1, r1, x1, r1)), eps);
            double n2 = Math.max(Math.sqrt(dot(d, x2, r2, x2, r2)), eps);
            double cos = dot(d, x1, r1, x2, r2) / (n1 * n2);
            double up = FloatLanes.get(gradOut, ogo + i);
            for (long k = 0; k < d; k++) {
                double a = FloatLanes.get(x1, r1 + k);
                double b = FloatLanes.get(x2, r2 + k);
                FloatLanes.set(g1, og1 + i * d + k, (float) (up * (b / (n1 * n2) - cos * a / (n1 * n1))));
                FloatLanes.set(g2, og2 + i * d + k, (float) (up * (a / (n1 * n2) - cos * b / (n2 * n2))));
            }
        }
    }

    /** One pair's {@code |u - v + eps|_p}, p finite and at least 1. */
    public static double distance(long d, MemorySegment u, long ou, MemorySegment v, long ov, float eps, double p) {
        double s = 0;
        for (long k = 0; k < d; k++) {
            double e = Math.abs(FloatLanes.get(u, ou + k) - FloatLanes.get(v, ov + k) + eps);
            s += p == 2 ? e * e : p == 1 ? e : Math.pow(e, p);
        }
        return p == 2 ? Math.sqrt(s) : p == 1 ? s : Math.pow(s, 1 / p);
    }

    /** {@code d |v|_p / d v_k = sgn(v_k) |v_k|^(p-1) / |v|_p^(p-1)}, 0 where the norm is 0 (PyTorch's). */
    public static double slope(double vk, double norm, double p) {
        if (norm == 0) {
            return 0;
        }
        if (p == 2) {
            return vk / norm;
        }
        if (p == 1) {
            return Math.signum(vk);
        }
        return Math.signum(vk) * Math.pow(Math.abs(vk) / norm, p - 1);
    }

    /** Fails unless p is finite and at least 1. */
    private static void checkNorm(double p) {
        if (!(p >= 1) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("a p-norm distance needs a finite degree p >= 1, got " + p);
        }
    }

    /** The dot product of two rows of {@code d} floats, in double. */
    public static double dot(long d, MemorySegment x, long rx, MemorySegment y, long ry) {
        double s = 0;
        for (long k = 0; k < d; k++) {
            s += (double) FloatLanes.get(x, rx + k) * FloatLanes.get(y, ry + k);
        }
        return s;
    }

    /** Checks {@code n} rows of {@code d} floats in each of {@code x1} and {@code x2}, naming the operation {@code what}. */
    public static void checkRows(String what, long n, long d, MemorySegment x1, long o1, MemorySegment x2, long o2) {
        Checks.nonNegative(what + " rows", n);
        Checks.nonNegative(what + " row length", d);
        Checks.floats("x1", x1, o1, Checks.elements(n, d));
        Checks.floats("x2", x2, o2, Checks.elements(n, d));
    }
}
