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
