package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.distance.RowDistances;

/**
 * The margin losses of metric learning, with PyTorch 1.13's formulas to the branch: one loss per
 * element or row, which the caller reduces, and the gradients given each loss's upstream gradient
 * ({@code gradLosses [n]}, or one {@code uniform} value for all when it is null). Rows are
 * contiguous, {@code d} floats each. At a hinge's corner ({@code max(0, z)} with z exactly 0) the
 * gradient passes, as PyTorch's {@code clamp_min}'s does. Sums run in double.
 *
 * <ul>
 * <li>{@code margin_ranking_loss}: {@code max(0, -y (x1 - x2) + margin)} per element.</li>
 * <li>{@code cosine_embedding_loss}: {@code 1 - cos} where {@code y = 1}, {@code max(0, cos - margin)}
 *     where {@code y = -1}, 0 for any other y; {@code cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))}.</li>
 * <li>{@code triplet_margin_loss}: {@code max(0, margin + d(a, p) - d(a, n))} with
 *     {@code d(u, v) = |u - v + eps|_p}; with {@code swap}, {@code d(a, n)} is
 *     {@code min(d(a, n), d(p, n))} (a tie splits the gradient, as PyTorch's minimum does).</li>
 * </ul>
 */
public final class MarginLosses {

    private MarginLosses() {
    }

    /** PyTorch's guard on the squared magnitudes of {@code cosine_embedding_loss}. */
    private static final double COSINE_EPSILON = 1e-12;

    /** {@code out[i] = max(0, -y[i] (x1[i] - x2[i]) + margin)}. */
    public static void marginRanking(long n, MemorySegment x1, long o1, MemorySegment x2, long o2, MemorySegment y, long oy,
                                     float margin, MemorySegment out, long oOut) {
        RowDistances.checkRows("margin_ranking_loss", n, 1, x1, o1, x2, o2);
        Checks.floats("y", y, oy, n);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            FloatLanes.set(out, oOut + i, (float) Math.max(0, rankingMargin(i, x1, o1, x2, o2, y, oy, margin)));
        }
    }

    /** The gradients of {@link #marginRanking}: {@code g1 = -y}, {@code g2 = y} where the hinge is active, scaled. */
    public static void marginRankingBackward(long n, MemorySegment x1, long o1, MemorySegment x2, long o2, MemorySegment y,
                                             long oy, float margin, MemorySegment gradLosses, long glOff, float uniform,
                                             MemorySegment g1, long og1, MemorySegment g2, long og2) {
        RowDistances.checkRows("margin_ranking_loss", n, 1, x1, o1, x2, o2);
        Checks.floats("y", y, oy, n);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("g1", g1, og1, n);
        Checks.floats("g2", g2, og2, n);
        for (long i = 0; i < n; i++) {
            double up = LossUpstream.at(i, gradLosses, glOff, uniform);
            double g = rankingMargin(i, x1, o1, x2, o2, y, oy, margin) >= 0 ? up * FloatLanes.get(y, oy + i) : 0;
            FloatLanes.set(g1, og1 + i, (float) -g);
            FloatLanes.set(g2, og2 + i, (float) g);
        }
    }

    /** Each row's cosine embedding loss into {@code out [n]}; {@code y [n]} holds 1 or -1 per row. */
    public static void cosineEmbedding(long n, long d, MemorySegment x1, long o1, MemorySegment x2, long o2, MemorySegment y,
                                       long oy, float margin, MemorySegment out, long oOut) {
        RowDistances.checkRows("cosine_embedding_loss", n, d, x1, o1, x2, o2);
        Checks.floats("y", y, oy, n);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            long r1 = o1 + i * d;
            long r2 = o2 + i * d;
            double m1 = RowDistances.dot(d, x1, r1, x1, r1) + COSINE_EPSILON;
            double m2 = RowDistances.dot(d, x2, r2, x2, r2) + COSINE_EPSILON;
            double cos = RowDistances.dot(d, x1, r1, x2, r2) / Math.sqrt(m1 * m2);
            float yi = FloatLanes.get(y, oy + i);
            double loss = yi == 1 ? 1 - cos : yi == -1 ? Math.max(0, cos - margin) : 0;
            FloatLanes.set(out, oOut + i, (float) loss);
        }
    }

    /** The gradients of {@link #cosineEmbedding} with respect to both inputs ({@code [n, d]} each). */
    public static void cosineEmbeddingBackward(long n, long d, MemorySegment x1, long o1, MemorySegment x2, long o2,
                                               MemorySegment y, long oy, float margin, MemorySegment gradLosses, long glOff,
                                               float uniform, MemorySegment g1, long og1, MemorySegment g2, long og2) {
        RowDistances.checkRows("cosine_embedding_loss", n, d, x1, o1, x2, o2);
        Checks.floats("y", y, oy, n);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("g1", g1, og1, Checks.elements(n, d));
        Checks.floats("g2", g2, og2, Checks.elements(n, d));
        for (long i = 0; i < n; i++) {
            long r1 = o1 + i * d;
            long r2 = o2 + i * d;
            double m1 = RowDistances.dot(d, x1, r1, x1, r1) + COSINE_EPSILON;
            double m2 = RowDistances.dot(d, x2, r2, x2, r2) + COSINE_EPSILON;
            double denom = Math.sqrt(m1 * m2);
            double cos = RowDistances.dot(d, x1, r1, x2, r2) / denom;
            float yi = FloatLanes.get(y, oy + i);
            // d cos / d x1 = x2 / denom - cos x1 / m1, and symmetrically; the loss is -cos or +cos
            double sign = yi == 1 ? -1 : yi == -1 && cos - margin >= 0 ? 1 : 0;
            double up = sign * LossUpstream.at(i, gradLosses, glOff, uniform);
            for (long k = 0; k < d; k++) {
                double a = FloatLanes.get(x1, r1 + k);
                double b = FloatLanes.get(x2, r2 + k);
                FloatLanes.set(g1, og1 + i * d + k, (float) (up * (b / denom - cos * a / m1)));
                FloatLanes.set(g2, og2 + i * d + k, (float) (up * (a / denom - cos * b / m2)));
            }
        }
    }

    /** Each row's triplet margin loss into {@code out [n]}. */
    public static void tripletMargin(long n, long d, MemorySegment a, long oa, MemorySegment p, long op, MemorySegment ng,
                                     long on, float margin, double norm, float eps, boolean swap, MemorySegment out, long oOut) {
        checkTriplet(n, d, a, oa, p, op, ng, on, norm);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            long at = i * d;
            double dap = RowDistances.distance(d, a, oa + at, p, op + at, eps, norm);
            double dan = RowDistances.distance(d, a, oa + at, ng, on + at, eps, norm);
            if (swap) {
                dan = Math.min(dan, RowDistances.distance(d, p, op + at, ng, on + at, eps, norm));
            }
            FloatLanes.set(out, oOut + i, (float) Math.max(0, margin + dap - dan));
        }
    }

    /** The gradients of {@link #tripletMargin} with respect to the anchors, positives and negatives ({@code [n, d]} each). */
    public static void tripletMarginBackward(long n, long d, MemorySegment a, long oa, MemorySegment p, long op,
                                             MemorySegment ng, long on, float margin, double norm, float eps, boolean swap,
                                             MemorySegment gradLosses, long glOff, float uniform, MemorySegment ga, long oga,
                                             MemorySegment gp, long ogp, MemorySegment gn, long ogn) {
        checkTriplet(n, d, a, oa, p, op, ng, on, norm);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("gAnchor", ga, oga, Checks.elements(n, d));
        Checks.floats("gPositive", gp, ogp, Checks.elements(n, d));
        Checks.floats("gNegative", gn, ogn, Checks.elements(n, d));
        if (d == 0) {
            return;                               // empty rows: no gradient to write, however many rows
        }
        for (long i = 0; i < n; i++) {
            long at = i * d;
            double dap = RowDistances.distance(d, a, oa + at, p, op + at, eps, norm);
            double dan = RowDistances.distance(d, a, oa + at, ng, on + at, eps, norm);
            double dpn = swap ? RowDistances.distance(d, p, op + at, ng, on + at, eps, norm) : Double.POSITIVE_INFINITY;
            double near = Math.min(dan, dpn);
            double up = margin + dap - near >= 0 ? LossUpstream.at(i, gradLosses, glOff, uniform) : 0;
            // the share of -up that reaches d(a, n) and d(p, n): all to the smaller, half each on a tie
            double toAn = dan < dpn ? 1 : dan == dpn ? 0.5 : 0;
            double toPn = 1 - toAn;
            for (long k = 0; k < d; k++) {
                double vap = FloatLanes.get(a, oa + at + k) - FloatLanes.get(p, op + at + k) + eps;
                double van = FloatLanes.get(a, oa + at + k) - FloatLanes.get(ng, on + at + k) + eps;
                double sap = up * RowDistances.slope(vap, dap, norm);
                double san = -up * toAn * RowDistances.slope(van, dan, norm);
                double spn = 0;
                if (swap && toPn > 0) {
                    double vpn = FloatLanes.get(p, op + at + k) - FloatLanes.get(ng, on + at + k) + eps;
                    spn = -up * toPn * RowDistances.slope(vpn, dpn, norm);
                }
                FloatLanes.set(ga, oga + at + k, (float) (sap + san));
                FloatLanes.set(gp, ogp + at + k, (float) (-sap + spn));
                FloatLanes.set(gn, ogn + at + k, (float) (-san - spn));
            }
        }
    }

    private static double rankingMargin(long i, MemorySegment x1, long o1, MemorySegment x2, long o2, MemorySegment y, long oy,
                                        float margin) {
        return -FloatLanes.get(y, oy + i) * ((double) FloatLanes.get(x1, o1 + i) - FloatLanes.get(x2, o2 + i)) + margin;
    }

    private static void checkTriplet(long n, long d, MemorySegment a, long oa, MemorySegment p, long op, MemorySegment ng,
                                     long on, double norm) {
        Checks.nonNegative("triplet_margin_loss rows", n);
        Checks.nonNegative("triplet_margin_loss row length", d);
        if (!(norm >= 1) || Double.isInfinite(norm)) {
            throw new IllegalArgumentException("triplet_margin_loss needs a finite norm degree p >= 1, got " + norm);
        }
        Checks.floats("anchor", a, oa, Checks.elements(n, d));
        Checks.floats("positive", p, op, Checks.elements(n, d));
        Checks.floats("negative", ng, on, Checks.elements(n, d));
    }
}
