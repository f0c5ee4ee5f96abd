package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The margin losses of classification, with PyTorch 1.13's formulas to the branch: one loss per
 * element or row, which the caller reduces, and the gradients of the input given each loss's
 * upstream gradient ({@code gradLosses [n]}, or one {@code uniform} value for all when it is
 * null). Rows are contiguous, {@code c} floats (one per class) each. Sums run in double.
 *
 * <ul>
 * <li>{@code soft_margin_loss}: {@code log(1 + exp(-y x))} per element, y 1 or -1 (any value is
 *     taken as it is, as PyTorch takes it).</li>
 * <li>{@code hinge_embedding_loss}: {@code x} where {@code y = 1}, {@code max(0, margin - x)} where
 *     {@code y = -1}; PyTorch adds both terms for any other y, and so does this. At the hinge's
 *     corner the gradient passes, as {@code clamp_min}'s does.</li>
 * <li>{@code multi_margin_loss}: per row with class index y,
 *     {@code sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / c}, p 1 or 2; a term exactly at
 *     the corner contributes no gradient (PyTorch's kernel tests {@code z > 0}).</li>
 * <li>{@code multilabel_soft_margin_loss}: per row, the mean over classes of
 *     {@code -w[i] (y[i] log sigmoid(x[i]) + (1 - y[i]) log sigmoid(-x[i]))}.</li>
 * <li>{@code multilabel_margin_loss}: per row, whose int64 targets list its classes up to the
 *     first -1, {@code sum over listed j, unlisted i of max(0, 1 - x[j] + x[i]) / c}; a class listed
 *     twice counts twice, as in PyTorch's loop over the list, and a term exactly at the corner
 *     contributes no gradient ({@code z > 0}).</li>
 * </ul>
 */
public final class ClassificationMarginLosses {

    private ClassificationMarginLosses() {
    }

    /** {@code out[i] = log(1 + exp(-y[i] x[i]))}. */
    public static void softMargin(long n, MemorySegment x, long ox, MemorySegment y, long oy, MemorySegment out, long oOut) {
        checkElements("soft_margin_loss", n, x, ox, y, oy);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            double z = -(double) FloatLanes.get(y, oy + i) * FloatLanes.get(x, ox + i);
            FloatLanes.set(out, oOut + i, (float) softplus(z));
        }
    }

    /** The gradient of {@link #softMargin}: {@code -y sigmoid(-y x)}, scaled. */
    public static void softMarginBackward(long n, MemorySegment x, long ox, MemorySegment y, long oy, MemorySegment gradLosses,
                                          long glOff, float uniform, MemorySegment gx, long ogx) {
        checkElements("soft_margin_loss", n, x, ox, y, oy);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("gInput", gx, ogx, n);
        for (long i = 0; i < n; i++) {
            double yi = FloatLanes.get(y, oy + i);
            double z = -yi * FloatLanes.get(x, ox + i);
            FloatLanes.set(gx, ogx + i, (float) (-yi * sigmoid(z) * LossUpstream.at(i, gradLosses, glOff, uniform)));
        }
    }

    /** {@code out[i]}: {@code x} where {@code y = 1}, {@code max(0, margin - x)} where {@code y = -1}, their sum otherwise. */
    public static void hingeEmbedding(long n, MemorySegment x, long ox, MemorySegment y, long oy, float margin,
                                      MemorySegment out, long oOut) {
        checkElements("hinge_embedding_loss", n, x, ox, y, oy);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            double xi = FloatLanes.get(x, ox + i);
            float yi = FloatLanes.get(y, oy + i);
            double loss = (yi != 1 ? Math.max(0, margin - xi) : 0) + (yi != -1 ? xi : 0);
            FloatLanes.set(out, oOut + i, (float) loss);
        }
    }

    /** The gradient of {@link #hingeEmbedding}: 1 from the identity term, -1 from an active hinge, scaled. */
    public static void hingeEmbeddingBackward(long n, MemorySegment x, long ox, MemorySegment y, long oy, float margin,
                                              MemorySegment gradLosses, long glOff, float uniform, MemorySegment gx, long ogx) {
        checkElements("hinge_embedding_loss", n, x, ox, y, oy);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("gInput", gx, ogx, n);
        for (long i = 0; i < n; i++) {
            double xi = FloatLanes.get(x, ox + i);
            float yi = FloatLanes.get(y, oy + i);
            double slope = (yi != 1 && margin - xi >= 0 ? -1 : 0) + (yi != -1 ? 1 : 0);
            FloatLanes.set(gx, ogx + i, (float) (slope * LossUpstream.at(i, gradLosses, glOff, uniform)));
        }
    }

    /**
     * Each row's multi-class margin loss into {@code out [n]}.
     *
     * @param target {@code [n]} int64 class indices in {@code [0, c)} (all checked before any write)
     * @param p      1 or 2
     * @param weight {@code [c]} class weights, or null
     */
    public static void multiMargin(long n, long c, MemorySegment x, long ox, MemorySegment target, long ot, int p, float margin,
                                   MemorySegment weight, long ow, MemorySegment out, long oOut) {
        checkMultiMargin(n, c, x, ox, target, ot, p, weight, ow);
        Checks.floats("out", out, oOut, n);
        for (long r = 0; r < n; r++) {
            long row = ox + r * c;
            long t = FloatLanes.getLong(target, ot + r);
            double xt = FloatLanes.get(x, row + t);
            double sum = 0;
            for (long i = 0; i < c; i++) {
                double z = margin - xt + FloatLanes.get(x, row + i);
                if (i != t && z > 0) {
                    sum += p == 1 ? z : z * z;
                }
            }
            double w = weight == null ? 1 : FloatLanes.get(weight, ow + t);
            FloatLanes.set(out, oOut + r, (float) (w * sum / c));
        }
    }

    /** The gradient of {@link #multiMargin} with respect to its input {@code [n, c]}. */
    public static void multiMarginBackward(long n, long c, MemorySegment x, long ox, MemorySegment target, long ot, int p,
                                           float margin, MemorySegment weight, long ow, MemorySegment gradLosses, long glOff,
                                           float uniform, MemorySegment gx, long ogx) {
        checkMultiMargin(n, c, x, ox, target, ot, p, weight, ow);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("gInput", gx, ogx, Checks.elements(n, c));
        for (long r = 0; r < n; r++) {
            long row = ox + r * c;
            long t = FloatLanes.getLong(target, ot + r);
            double xt = FloatLanes.get(x, row + t);
            double scale = LossUpstream.at(r, gradLosses, glOff, uniform) / c * (weight == null ? 1 : FloatLanes.get(weight, ow + t));
            double toTarget = 0;
            for (long i = 0; i < c; i++) {
                double z = margin - xt + FloatLanes.get(x, row + i);
                double g = i != t && z > 0 ? scale * (p == 1 ? 1 : 2 * z) : 0;
                toTarget -= g;
                FloatLanes.set(gx, ogx + r * c + i, (float) g);
            }
            FloatLanes.set(gx, ogx + r * c + t, (float) toTarget);
        }
    }

    /**
     * Each row's multi-label soft margin loss into {@code out [n]}.
     *
     * @param y      {@code [n, c]} targets (1 for a label that applies, 0 otherwise)
     * @param weight {@code [c]} class weights, or null
     */
    public static void multilabelSoftMargin(long n, long c, MemorySegment x, long ox, MemorySegment y, long oy,
                                            MemorySegment weight, long ow, MemorySegment out, long oOut) {
        checkMultilabel(n, c, x, ox, y, oy, weight, ow);
        Checks.floats("out", out, oOut, n);
        for (long r = 0; r < n; r++) {
            double sum = 0;
            for (long i = 0; i < c; i++) {
                double xi = FloatLanes.get(x, ox + r * c + i);
                double yi = FloatLanes.get(y, oy + r * c + i);
                // -(y log sigmoid(x) + (1 - y) log sigmoid(-x)) = y softplus(-x) + (1 - y) softplus(x)
                double loss = yi * softplus(-xi) + (1 - yi) * softplus(xi);
                sum += weight == null ? loss : FloatLanes.get(weight, ow + i) * loss;
            }
            FloatLanes.set(out, oOut + r, (float) (sum / c));
        }
    }

    /** The gradient of {@link #multilabelSoftMargin}: {@code w (sigmoid(x) - y) / c}, scaled. */
    public static void multilabelSoftMarginBackward(long n, long c, MemorySegment x, long ox, MemorySegment y, long oy,
                                                    MemorySegment weight, long ow, MemorySegment gradLosses, long glOff,
                                                    float uniform, MemorySegment gx, long ogx) {
        checkMultilabel(n, c, x, ox, y, oy, weight, ow);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("gInput", gx, ogx, Checks.elements(n, c));
        if (c == 0) {
            return;                               // no classes: no gradient to write, however many rows
        }
        for (long r = 0; r < n; r++) {
            double up = LossUpstream.at(r, gradLosses, glOff, uniform) / c;
            for (long i = 0; i < c; i++) {
                double xi = FloatLanes.get(x, ox + r * c + i);
                double yi = FloatLanes.get(y, oy + r * c + i);
                double w = weight == null ? 1 : FloatLanes.get(weight, ow + i);
                FloatLanes.set(gx, ogx + r * c + i, (float) (up * w * (sigmoid(xi) - yi)));
            }
        }
    }

    /**
     * Each row's multi-label margin loss into {@code out [n]}.
     *
     * @param target {@code [n, c]} int64: each row's classes, ended by the first -1 (or by the
     *               row's end); every entry, the ones after a -1 too, in {@code [-1, c)}
     */
    public static void multilabelMargin(long n, long c, MemorySegment x, long ox, MemorySegment target, long ot,
                                        MemorySegment out, long oOut) {
        checkMultilabelMargin(n, c, x, ox, target, ot);
        Checks.floats("out", out, oOut, n);
        for (long r = 0; r < n; r++) {
            long row = ox + r * c;
            long list = ot + r * c;
            long listed = listed(target, list, c);
            // every (listed, unlisted) pair once: O(c x listed), as the loss itself, with no
            // scratch to mark the listed classes (membership is a scan of the list)
            double sum = 0;
            for (long i = 0; i < c; i++) {
                if (lists(target, list, listed, i)) {
                    continue;
                }
                double xi = FloatLanes.get(x, row + i);
                for (long j = 0; j < listed; j++) {
                    double z = 1 - FloatLanes.get(x, row + FloatLanes.getLong(target, list + j)) + xi;
                    if (z > 0) {
                        sum += z;
                    }
                }
            }
            FloatLanes.set(out, oOut + r, (float) (sum / c));
        }
    }

    /**
     * The gradient of {@link #multilabelMargin} with respect to its input {@code [n, c]}: each
     * active pair adds {@code scale} to its unlisted class and takes it from its listed one.
     */
    public static void multilabelMarginBackward(long n, long c, MemorySegment x, long ox, MemorySegment target, long ot,
                                                MemorySegment gradLosses, long glOff, float uniform, MemorySegment gx,
                                                long ogx) {
        checkMultilabelMargin(n, c, x, ox, target, ot);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("gInput", gx, ogx, Checks.elements(n, c));
        if (c == 0) {
            return;                               // no classes: no gradient to write, however many rows
        }
        for (long r = 0; r < n; r++) {
            long row = ox + r * c;
            long list = ot + r * c;
            long g = ogx + r * c;
            long listed = listed(target, list, c);
            // the row first holds each class's count of active pairs (+1 for the unlisted class,
            // -1 for the listed one), integers a float holds exactly, then those times the scale
            for (long i = 0; i < c; i++) {
                FloatLanes.set(gx, g + i, 0f);
            }
            for (long i = 0; i < c; i++) {
                if (lists(target, list, listed, i)) {
                    continue;
                }
                double xi = FloatLanes.get(x, row + i);
                long active = 0;
                for (long j = 0; j < listed; j++) {
                    long t = FloatLanes.getLong(target, list + j);
                    if (1 - FloatLanes.get(x, row + t) + xi > 0) {
                        active++;
                        FloatLanes.set(gx, g + t, FloatLanes.get(gx, g + t) - 1f);
                    }
                }
                FloatLanes.set(gx, g + i, active);
            }
            double scale = LossUpstream.at(r, gradLosses, glOff, uniform) / c;
            for (long i = 0; i < c; i++) {
                FloatLanes.set(gx, g + i, (float) (scale * FloatLanes.get(gx, g + i)));
            }
        }
    }

    /** How many entries of a target row come before its first -1. */
    private static long listed(MemorySegment target, long list, long c) {
        long j = 0;
        while (j < c && FloatLanes.getLong(target, list + j) >= 0) {
            j++;
        }
        return j;
    }

    /** Whether class {@code i} is among the first {@code listed} entries of a target row. */
    private static boolean lists(MemorySegment target, long list, long listed, long i) {
        for (long j = 0; j < listed; j++) {
            if (FloatLanes.getLong(target, list + j) == i) {
                return true;
            }
        }
        return false;
    }

    /** {@code log(1 + exp(z))} without overflow. */
    private static double softplus(double z) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    private static void checkElements(String what, long n, MemorySegment x, long ox, MemorySegment y, long oy) {
        Checks.nonNegative(what + " elements", n);
        Checks.floats("input", x, ox, n);
        Checks.floats("target", y, oy, n);
    }

    private static void checkMultiMargin(long n, long c, MemorySegment x, long ox, MemorySegment target, long ot, int p,
                                         MemorySegment weight, long ow) {
        Checks.nonNegative("multi_margin_loss rows", n);
        Checks.nonNegative("multi_margin_loss classes", c);
        if (p != 1 && p != 2) {
            throw new IllegalArgumentException("multi_margin_loss supports p = 1 or 2 only, got " + p);
        }
        Checks.floats("input", x, ox, Checks.elements(n, c));
        Checks.longs("target", target, ot, n);
        if (weight != null) {
            Checks.floats("weight", weight, ow, c);
        }
        for (long r = 0; r < n; r++) {
            long t = FloatLanes.getLong(target, ot + r);
            if (t < 0 || t >= c) {
                throw new IllegalArgumentException("multi_margin_loss: target[" + r + "] = " + t + " is not a class index in [0, "
                        + c + ")");
            }
        }
    }

    private static void checkMultilabelMargin(long n, long c, MemorySegment x, long ox, MemorySegment target, long ot) {
        Checks.nonNegative("multilabel_margin_loss rows", n);
        Checks.nonNegative("multilabel_margin_loss classes", c);
        long elements = Checks.elements(n, c);
        Checks.floats("input", x, ox, elements);
        Checks.longs("target", target, ot, elements);
        for (long e = 0; e < elements; e++) {
            long t = FloatLanes.getLong(target, ot + e);
            if (t < -1 || t >= c) {
                throw new IllegalArgumentException("multilabel_margin_loss: target[" + e / c + ", " + e % c + "] = " + t
                        + " is neither a class index in [0, " + c + ") nor -1 (the end of the row's list)");
            }
        }
    }

    private static void checkMultilabel(long n, long c, MemorySegment x, long ox, MemorySegment y, long oy,
                                        MemorySegment weight, long ow) {
        Checks.nonNegative("multilabel_soft_margin_loss rows", n);
        Checks.nonNegative("multilabel_soft_margin_loss classes", c);
        Checks.floats("input", x, ox, Checks.elements(n, c));
        Checks.floats("target", y, oy, Checks.elements(n, c));
        if (weight != null) {
            Checks.floats("weight", weight, ow, c);
        }
    }
}
