package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.activation.Softmax;
import dev.panamax.kernels.loss.AbsoluteErrorLoss;
import dev.panamax.kernels.loss.BinaryCrossEntropyWithLogits;
import dev.panamax.kernels.loss.ClassificationMarginLosses;
import dev.panamax.kernels.loss.CrossEntropy;
import dev.panamax.kernels.loss.Ctc;
import dev.panamax.kernels.loss.LikelihoodLosses;
import dev.panamax.kernels.loss.MarginLosses;
import dev.panamax.kernels.loss.MseLoss;
import dev.panamax.kernels.loss.ProbabilityLoss;
import dev.panamax.kernels.loss.Reduction;
import dev.panamax.kernels.loss.SoftTargetCrossEntropy;

/**
 * Softmax and log-softmax over fuzzed strided layouts (in place or not), and the losses
 * (cross-entropy with class weights, label smoothing, ignored and out-of-range targets and row
 * strides; binary cross-entropy with logits; MSE; the elementwise losses L1, smooth L1, Huber,
 * binary cross-entropy on probabilities and KL divergence), forward and backward. Refusal is an
 * {@link IllegalArgumentException} before any write; an accepted call equals the double
 * reference (the softmax row by row, the losses by their PyTorch formulas) and the softmax
 * gradients sum to zero along each row, as they must.
 */
class SoftmaxLossFuzzTest {

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;

    @FuzzTest
    void softmax(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            boolean log = f.bool();
            boolean backward = f.bool();
            long outer = f.dim(4);
            long dim = f.dim(40);
            long inner = f.dim(4);
            long[] xs = strides(f, outer, dim, inner);
            long[] ys = f.bool() ? xs : strides(f, outer, dim, inner);
            long xOff = f.offset();
            long yOff = ys == xs && f.bool() ? xOff : f.offset();
            MemorySegment x = f.floats(footprint(xOff, outer, xs[0], dim, xs[1], inner, xs[2]));
            MemorySegment y = yOff == xOff && ys == xs ? x : f.floats(footprint(yOff, outer, ys[0], dim, ys[1], inner, ys[2]));
            MemorySegment before = x == null ? null : arena.allocate(x.byteSize()).copyFrom(x);
            String what = (log ? "log_softmax" : "softmax") + " [" + outer + ", " + dim + ", " + inner + "]";
            if (!backward) {
                boolean empty = outer == 0 || dim == 0 || inner == 0;     // then the reference loops would run for nothing
                if (FuzzArgs.accepted(() -> Softmax.forward(log, outer, dim, inner, x, xOff, xs, y, yOff, ys), y) && !empty) {
                    requireDistinct(what + " y", outer, dim, inner, ys);
                    for (long o = 0; o < outer; o++) {
                        for (long i = 0; i < inner; i++) {
                            double max = Double.NEGATIVE_INFINITY;
                            for (long d = 0; d < dim; d++) {
                                max = Math.max(max, at(before, xOff + o * xs[0] + d * xs[1] + i * xs[2]));
                            }
                            double sum = 0;
                            for (long d = 0; d < dim; d++) {
                                sum += Math.exp(at(before, xOff + o * xs[0] + d * xs[1] + i * xs[2]) - max);
                            }
                            for (long d = 0; d < dim; d++) {
                                double z = at(before, xOff + o * xs[0] + d * xs[1] + i * xs[2]) - max;
                                FuzzArgs.close(what + " at " + o + "," + d + "," + i, at(y, yOff + o * ys[0] + d * ys[1] + i * ys[2]),
                                        log ? z - Math.log(sum) : Math.exp(z) / sum, 1);
                            }
                        }
                    }
                }
                return;
            }
            long[] gs = strides(f, outer, dim, inner);
            long gOff = f.offset();
            MemorySegment gy = f.floats(footprint(gOff, outer, gs[0], dim, gs[1], inner, gs[2]));
            long[] gxs = strides(f, outer, dim, inner);
            long gxOff = f.offset();
            MemorySegment gx = f.floats(footprint(gxOff, outer, gxs[0], dim, gxs[1], inner, gxs[2]));
            // backward reads y as the forward wrote it: a softmax (or its log) of the row
            if (FuzzArgs.accepted(() -> Softmax.backward(log, outer, dim, inner, x, xOff, xs, gy, gOff, gs, gx, gxOff, gxs), gx)
                    && outer != 0 && dim != 0 && inner != 0) {
                requireDistinct(what + " gx", outer, dim, inner, gxs);
                for (long o = 0; o < outer; o++) {
                    for (long i = 0; i < inner; i++) {
                        double sumGy = 0;
                        double sumGyY = 0;
                        for (long d = 0; d < dim; d++) {
                            double yv = at(x, xOff + o * xs[0] + d * xs[1] + i * xs[2]);
                            double g = at(gy, gOff + o * gs[0] + d * gs[1] + i * gs[2]);
                            sumGy += g;
                            sumGyY += g * yv;
                        }
                        for (long d = 0; d < dim; d++) {
                            double yv = at(x, xOff + o * xs[0] + d * xs[1] + i * xs[2]);
                            double g = at(gy, gOff + o * gs[0] + d * gs[1] + i * gs[2]);
                            double want = log ? g - Math.exp(yv) * sumGy : yv * (g - sumGyY);
                            FuzzArgs.close(what + " gx at " + o + "," + d + "," + i,
                                    at(gx, gxOff + o * gxs[0] + d * gxs[1] + i * gxs[2]), want, dim * 3);
                        }
                    }
                }
            }
        }
    }

    /**
     * The gated linear unit under fuzzed outer, half and inner sizes (negative, huge), offsets and
     * short segments: refused before any write, else {@code a sigmoid(b)} and its two gradients
     * equal to the double formula.
     */
    @FuzzTest
    void glu(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            boolean backward = f.bool();
            long outer = f.dim(4);
            long h = f.dim(9);
            long inner = f.dim(5);
            long xOff = f.offset();
            long hOff = f.offset();
            MemorySegment x = f.floats(footprint(xOff, outer * 2 * h * inner, 1));
            MemorySegment half = f.floats(footprint(hOff, outer * h * inner, 1));
            MemorySegment gx = f.floats(footprint(0, outer * 2 * h * inner, 1));
            String what = "glu [" + outer + ", 2 x " + h + ", " + inner + "]";
            boolean empty = outer == 0 || h == 0 || inner == 0;     // the reference loops would run for nothing
            if (!backward) {
                if (FuzzArgs.accepted(() -> dev.panamax.kernels.activation.Glu.forward(outer, h, inner, x, xOff, half, hOff), half)
                        && !empty) {
                    for (long o = 0; o < outer; o++) {
                        for (long j = 0; j < h; j++) {
                            for (long i = 0; i < inner; i++) {
                                double a = at(x, xOff + (o * 2 * h + j) * inner + i);
                                double b = at(x, xOff + (o * 2 * h + h + j) * inner + i);
                                FuzzArgs.close(what, at(half, hOff + (o * h + j) * inner + i), a / (1 + Math.exp(-b)), 1);
                            }
                        }
                    }
                }
                return;
            }
            if (FuzzArgs.accepted(() -> dev.panamax.kernels.activation.Glu.backward(outer, h, inner, x, xOff, half, hOff, gx, 0),
                    gx) && !empty) {
                for (long o = 0; o < outer; o++) {
                    for (long j = 0; j < h; j++) {
                        for (long i = 0; i < inner; i++) {
                            long ia = (o * 2 * h + j) * inner + i;
                            long ib = ia + h * inner;
                            double s = 1 / (1 + Math.exp(-at(x, xOff + ib)));
                            double up = at(half, hOff + (o * h + j) * inner + i);
                            FuzzArgs.close(what + " ga", at(gx, ia), s * up, 1);
                            FuzzArgs.close(what + " gb", at(gx, ib), at(x, xOff + ia) * s * (1 - s) * up, 1);
                        }
                    }
                }
            }
        }
    }

    /** Strides of a [outer, dim, inner] view: mostly a permutation of a contiguous layout, sometimes fuzzed. */
    private static long[] strides(FuzzArgs f, long outer, long dim, long inner) {
        return switch (f.pick(0, 1, 2)) {
            case 0 -> new long[] {f.stride(dim * inner), f.stride(inner), f.stride(1)};
            case 1 -> new long[] {f.stride(dim * inner), f.stride(1), f.stride(dim)};        // dim innermost in memory
            default -> new long[] {f.stride(1), f.stride(outer), f.stride(outer * dim)};
        };
    }

    /** An accepted written layout must give every element its own place (else results overwrite each other). */
    private static void requireDistinct(String what, long outer, long dim, long inner, long[] s) {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (long o = 0; o < outer; o++) {
            for (long d = 0; d < dim; d++) {
                for (long i = 0; i < inner; i++) {
                    if (!seen.add(o * s[0] + d * s[1] + i * s[2])) {
                        throw new AssertionError(what + ": accepted strides " + java.util.Arrays.toString(s)
                                + " that write two elements to one place");
                    }
                }
            }
        }
    }

    /**
     * The elementwise losses of one input against one target (L1, smooth L1, Huber; binary
     * cross-entropy on probabilities, KL divergence with probability or log targets, weighted or
     * not) under fuzzed sizes, offsets, widths (negative, zero, NaN), inputs outside [0, 1] and
     * segments too short: refused before any write, else each reduction and each gradient equal to
     * the formula in double.
     */
    @FuzzTest
    void elementwiseLosses(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            boolean probability = f.bool();
            AbsoluteErrorLoss.Kind absolute = AbsoluteErrorLoss.Kind.values()[f.pick(0, 1, 2)];
            ProbabilityLoss.Kind kind = ProbabilityLoss.Kind.values()[f.pick(0, 1, 2)];
            float width = f.scalar() * 2;
            Reduction reduction = Reduction.values()[f.pick(0, 1, 2)];
            boolean backward = f.bool();
            long n = f.dim(30);
            long xOff = f.offset();
            long tOff = f.offset();
            long wOff = f.offset();
            long oOff = f.offset();
            MemorySegment x = f.floats(footprint(xOff, n, 1));
            if (x != null && f.bool()) {                        // mostly probabilities for binary cross-entropy
                for (long i = 0; i < x.byteSize() / Float.BYTES; i++) {
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, Math.abs(at(x, i)));
                }
            }
            MemorySegment t = f.floats(footprint(tOff, n, 1));
            MemorySegment w = probability && f.bool() ? f.floats(footprint(wOff, n, 1)) : null;
            MemorySegment out = f.floats(footprint(oOff, n, 1));
            MemorySegment up = reduction == Reduction.NONE ? f.floats(footprint(0, n, 1)) : null;
            float gradLoss = f.scalar();
            String what = (probability ? kind : absolute) + " width " + width + " " + reduction + " n " + n;
            double[] want = new double[(int) Math.max(0, Math.min(n, FuzzArgs.MAX_FLOATS))];
            double[] slope = new double[want.length];
            float[] got = new float[1];
            if (probability) {
                Runnable call = !backward
                        ? reduction == Reduction.NONE
                                ? () -> ProbabilityLoss.elementLosses(kind, n, x, xOff, t, tOff, w, wOff, out, oOff)
                                : () -> got[0] = ProbabilityLoss.forward(kind, n, x, xOff, t, tOff, w, wOff, reduction)
                        : reduction == Reduction.NONE
                                ? () -> ProbabilityLoss.elementsBackward(kind, n, x, xOff, t, tOff, w, wOff, up, 0, out, oOff)
                                : () -> ProbabilityLoss.backward(kind, n, x, xOff, t, tOff, w, wOff, reduction, gradLoss, out, oOff);
                if (!FuzzArgs.accepted(call, out)) {
                    return;
                }
                for (int i = 0; i < want.length; i++) {
                    double xi = at(x, xOff + i);
                    double ti = at(t, tOff + i);
                    double wi = w == null ? 1 : at(w, wOff + i);
                    switch (kind) {
                        case BINARY_CROSS_ENTROPY -> {
                            if (!(xi >= 0 && xi <= 1)) {
                                throw new AssertionError(what + ": accepted input " + xi + " outside [0, 1]");
                            }
                            want[i] = wi * ((ti - 1) * Math.max(Math.log1p(-xi), -100) - ti * Math.max(Math.log(xi), -100));
                            slope[i] = wi * (xi - ti) / Math.max((1 - xi) * xi, 1e-12);
                        }
                        case KL_DIVERGENCE -> {
                            want[i] = wi * ((ti == 0 ? 0 : ti * Math.log(ti)) - ti * xi);
                            slope[i] = -wi * ti;
                        }
                        case KL_DIVERGENCE_LOG_TARGET -> {
                            want[i] = wi * Math.exp(ti) * (ti - xi);
                            slope[i] = -wi * Math.exp(ti);
                        }
                    }
                }
            } else {
                Runnable call = !backward
                        ? reduction == Reduction.NONE
                                ? () -> AbsoluteErrorLoss.elementLosses(absolute, width, n, x, xOff, t, tOff, out, oOff)
                                : () -> got[0] = AbsoluteErrorLoss.forward(absolute, width, n, x, xOff, t, tOff, reduction)
                        : reduction == Reduction.NONE
                                ? () -> AbsoluteErrorLoss.elementsBackward(absolute, width, n, x, xOff, t, tOff, up, 0, out, oOff,
                                        null, 0)
                                : () -> AbsoluteErrorLoss.backward(absolute, width, n, x, xOff, t, tOff, reduction, gradLoss, out,
                                        oOff, null, 0);
                if (!FuzzArgs.accepted(call, out) || out == null) {
                    return;                                  // its backward may skip the input's gradient (null)
                }
                for (int i = 0; i < want.length; i++) {
                    double d = (double) at(x, xOff + i) - at(t, tOff + i);
                    double a = Math.abs(d);
                    double b = width;
                    switch (absolute) {
                        case L1 -> {
                            want[i] = a;
                            slope[i] = Math.signum(d);
                        }
                        case SMOOTH_L1 -> {
                            want[i] = a < b ? 0.5 * d * d / b : a - 0.5 * b;
                            slope[i] = d <= -b ? -1 : d >= b ? 1 : d / b;
                        }
                        case HUBER -> {
                            want[i] = a < b ? 0.5 * d * d : b * (a - 0.5 * b);
                            slope[i] = d <= -b ? -b : d >= b ? b : d;
                        }
                    }
                }
            }
            if (!backward && reduction != Reduction.NONE) {
                double total = 0;
                for (double v : want) {
                    total += v;
                }
                FuzzArgs.close(what, got[0], reduction == Reduction.SUM ? total : total / n, Math.abs(total) + n);
                return;
            }
            for (int i = 0; i < want.length; i++) {
                double expected = !backward ? want[i]
                        : slope[i] * (reduction == Reduction.NONE ? at(up, i) : reduction == Reduction.SUM ? gradLoss
                                : (double) gradLoss / n);
                FuzzArgs.close(what + " [" + i + "]", at(out, oOff + i), expected, Math.abs(expected));
            }
        }
    }

    /**
     * The margin losses (ranking, cosine embedding, triplet with p 1, 2 or 3 and swap) under fuzzed
     * rows, row lengths, offsets, norms (below 1, NaN) and short segments: refused before any
     * write, else each row's loss equal to its formula in double; backward refused or completed
     * with every gradient written.
     */
    @FuzzTest
    void marginLosses(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int loss = f.pick(0, 1, 2);                   // ranking, cosine embedding, triplet
            boolean backward = f.bool();
            long n = f.dim(6);
            long d = loss == 0 ? 1 : f.dim(12);
            double p = f.pick(0, 1, 2, 3) == 0 ? f.scalar() * 4 : f.pick(1, 2, 3);
            float margin = f.scalar();
            float eps = f.bool() ? 1e-6f : f.scalar();
            boolean swap = f.bool();
            long o1 = f.offset();
            long o2 = f.offset();
            long o3 = f.offset();
            MemorySegment x1 = f.floats(footprint(o1, n * d, 1));
            MemorySegment x2 = f.floats(footprint(o2, n * d, 1));
            MemorySegment x3 = f.floats(footprint(o3, loss == 2 ? n * d : n, 1));
            if (loss != 2 && x3 != null && f.bool()) {                 // labels of 1 and -1, mostly
                for (long i = 0; i < x3.byteSize() / Float.BYTES; i++) {
                    x3.setAtIndex(ValueLayout.JAVA_FLOAT, i, at(x3, i) < 0 ? -1f : 1f);
                }
            }
            String what = new String[] {"margin_ranking", "cosine_embedding", "triplet p " + p + (swap ? " swap" : "")}[loss]
                    + " n " + n + " d " + d + " margin " + margin;
            if (backward) {
                MemorySegment up = f.bool() ? null : f.floats(footprint(0, n, 1));
                float uniform = f.scalar();
                MemorySegment g1 = f.floats(footprint(0, n * d, 1));
                MemorySegment g2 = f.floats(footprint(0, n * d, 1));
                MemorySegment g3 = f.floats(footprint(0, n * d, 1));
                Runnable call = switch (loss) {
                    case 0 -> () -> MarginLosses.marginRankingBackward(n, x1, o1, x2, o2, x3, o3, margin, up, 0, uniform, g1, 0,
                            g2, 0);
                    case 1 -> () -> MarginLosses.cosineEmbeddingBackward(n, d, x1, o1, x2, o2, x3, o3, margin, up, 0, uniform,
                            g1, 0, g2, 0);
                    default -> () -> MarginLosses.tripletMarginBackward(n, d, x1, o1, x2, o2, x3, o3, margin, p, eps, swap, up,
                            0, uniform, g1, 0, g2, 0, g3, 0);
                };
                FuzzArgs.accepted(call, g1, g2, g3);
                return;
            }
            MemorySegment out = f.floats(footprint(0, n, 1));
            Runnable call = switch (loss) {
                case 0 -> () -> MarginLosses.marginRanking(n, x1, o1, x2, o2, x3, o3, margin, out, 0);
                case 1 -> () -> MarginLosses.cosineEmbedding(n, d, x1, o1, x2, o2, x3, o3, margin, out, 0);
                default -> () -> MarginLosses.tripletMargin(n, d, x1, o1, x2, o2, x3, o3, margin, p, eps, swap, out, 0);
            };
            if (!FuzzArgs.accepted(call, out)) {
                return;
            }
            for (long i = 0; i < n; i++) {
                double want;
                if (loss == 0) {
                    want = Math.max(0, -at(x3, o3 + i) * ((double) at(x1, o1 + i) - at(x2, o2 + i)) + margin);
                } else if (loss == 1) {
                    double dot = 0;
                    double m1 = 1e-12;
                    double m2 = 1e-12;
                    for (long k = 0; k < d; k++) {
                        double a = at(x1, o1 + i * d + k);
                        double b = at(x2, o2 + i * d + k);
                        dot += a * b;
                        m1 += a * a;
                        m2 += b * b;
                    }
                    double cos = dot / Math.sqrt(m1 * m2);
                    float y = at(x3, o3 + i);
                    want = y == 1 ? 1 - cos : y == -1 ? Math.max(0, cos - margin) : 0;
                } else {
                    if (!(p >= 1) || Double.isInfinite(p)) {
                        throw new AssertionError(what + ": accepted p " + p);
                    }
                    double dap = pDistance(x1, o1 + i * d, x2, o2 + i * d, d, eps, p);
                    double dan = pDistance(x1, o1 + i * d, x3, o3 + i * d, d, eps, p);
                    if (swap) {
                        dan = Math.min(dan, pDistance(x2, o2 + i * d, x3, o3 + i * d, d, eps, p));
                    }
                    want = Math.max(0, margin + dap - dan);
                }
                FuzzArgs.close(what + " [" + i + "]", at(out, i), want, Math.abs(want) + d);
            }
        }
    }

    /**
     * The classification margin and likelihood losses: soft margin, hinge embedding, multi-margin,
     * multi-label soft margin, Poisson and Gaussian negative log-likelihood, multi-label margin,
     * forward against the formulas in double, backward for refusals and crashes only.
     */
    @FuzzTest
    void classificationAndLikelihoodLosses(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int loss = f.pick(0, 1, 2, 3, 4, 5, 6);
            boolean backward = f.bool();
            long n = f.dim(6);
            boolean rows = loss == 2 || loss == 3 || loss == 6;        // one loss per row of c
            long c = rows || loss == 5 ? f.dim(9) : 1;
            long elements = rows ? n * c : n;
            if (loss == 6 && (double) n * c * c > 1 << 24) {
                return;          // pairs of classes, c^2 per row: 2^32 for a row of 2^16 classes, as in PyTorch
            }
            int p = f.pick(1, 2, 2, 3);
            float margin = f.scalar();
            float eps = f.bool() ? 1e-6f : f.scalar();
            boolean flag = f.bool();                      // Poisson's log input; Gaussian's shared variance
            boolean full = f.bool();
            long ox = f.offset();
            long ot = f.offset();
            long ow = f.offset();
            MemorySegment x = f.floats(footprint(ox, elements, 1));
            MemorySegment t = loss == 2 ? f.longs(footprint(ot, n, 1), -1, c)
                    : loss == 6 ? f.longs(footprint(ot, elements, 1), -2, c) : f.floats(footprint(ot, elements, 1));
            MemorySegment w = loss == 2 || loss == 3 ? (f.bool() ? null : f.floats(footprint(ow, c, 1)))
                    : loss == 5 ? f.floats(footprint(ow, flag && c > 0 ? n / c : n, 1)) : null;
            if (loss == 5 && w != null) {
                for (long i = 0; i < w.byteSize() / Float.BYTES; i++) {   // variances, mostly not negative
                    w.setAtIndex(ValueLayout.JAVA_FLOAT, i, Math.abs(at(w, i)) * (f.nextInt(16) == 0 ? -1 : 1));
                }
            }
            String what = new String[] {"soft_margin", "hinge_embedding", "multi_margin p " + p, "multilabel_soft_margin",
                "poisson_nll log " + flag + " full " + full, "gaussian_nll shared " + flag + " full " + full,
                "multilabel_margin"}[loss]
                    + " n " + n + " c " + c + " margin " + margin + " eps " + eps;
            MemorySegment out = f.floats(footprint(0, backward ? elements : rows ? n : elements, 1));
            if (backward) {
                MemorySegment up = f.bool() ? null : f.floats(footprint(0, rows ? n : elements, 1));
                float uniform = f.scalar();
                MemorySegment gv = loss == 5 && f.bool() ? f.floats(footprint(0, flag && c > 0 ? n / c : n, 1)) : null;
                Runnable call = switch (loss) {
                    case 0 -> () -> ClassificationMarginLosses.softMarginBackward(n, x, ox, t, ot, up, 0, uniform, out, 0);
                    case 1 -> () -> ClassificationMarginLosses.hingeEmbeddingBackward(n, x, ox, t, ot, margin, up, 0, uniform,
                            out, 0);
                    case 2 -> () -> ClassificationMarginLosses.multiMarginBackward(n, c, x, ox, t, ot, p, margin, w, ow, up, 0,
                            uniform, out, 0);
                    case 3 -> () -> ClassificationMarginLosses.multilabelSoftMarginBackward(n, c, x, ox, t, ot, w, ow, up, 0,
                            uniform, out, 0);
                    case 4 -> () -> LikelihoodLosses.poissonNllBackward(n, x, ox, t, ot, flag, eps, up, 0, uniform, out, 0);
                    case 6 -> () -> ClassificationMarginLosses.multilabelMarginBackward(n, c, x, ox, t, ot, up, 0, uniform,
                            out, 0);
                    default -> () -> LikelihoodLosses.gaussianNllBackward(n, c, x, ox, t, ot, w, ow, flag, eps, up, 0, uniform,
                            out, 0, null, 0, gv, 0);
                };
                FuzzArgs.accepted(call, out, gv);
                return;
            }
            Runnable call = switch (loss) {
                case 0 -> () -> ClassificationMarginLosses.softMargin(n, x, ox, t, ot, out, 0);
                case 1 -> () -> ClassificationMarginLosses.hingeEmbedding(n, x, ox, t, ot, margin, out, 0);
                case 2 -> () -> ClassificationMarginLosses.multiMargin(n, c, x, ox, t, ot, p, margin, w, ow, out, 0);
                case 3 -> () -> ClassificationMarginLosses.multilabelSoftMargin(n, c, x, ox, t, ot, w, ow, out, 0);
                case 4 -> () -> LikelihoodLosses.poissonNll(n, x, ox, t, ot, flag, full, eps, out, 0);
                case 6 -> () -> ClassificationMarginLosses.multilabelMargin(n, c, x, ox, t, ot, out, 0);
                default -> () -> LikelihoodLosses.gaussianNll(n, c, x, ox, t, ot, w, ow, flag, full, eps, out, 0);
            };
            if (!FuzzArgs.accepted(call, out)) {
                return;
            }
            if (loss == 6) {
                for (long r = 0; r < n; r++) {
                    long listed = 0;
                    while (listed < c && t.getAtIndex(ValueLayout.JAVA_LONG, ot + r * c + listed) >= 0) {
                        listed++;
                    }
                    java.util.BitSet isListed = new java.util.BitSet();     // c is the accepted call's: the buffers hold it
                    for (long j = 0; j < listed; j++) {
                        isListed.set((int) t.getAtIndex(ValueLayout.JAVA_LONG, ot + r * c + j));
                    }
                    double sum = 0;
                    for (long j = 0; j < listed; j++) {
                        double xj = at(x, ox + r * c + t.getAtIndex(ValueLayout.JAVA_LONG, ot + r * c + j));
                        for (long i = 0; i < c; i++) {
                            double z = 1 - xj + at(x, ox + r * c + i);
                            sum += !isListed.get((int) i) && z > 0 ? z : 0;
                        }
                    }
                    FuzzArgs.close(what + " [" + r + "]", at(out, r), sum / c, Math.abs(sum / c) + 1);
                }
                return;
            }
            if (loss == 2 || loss == 3) {
                for (long r = 0; r < n; r++) {
                    double sum = 0;
                    for (long i = 0; i < c; i++) {
                        double xi = at(x, ox + r * c + i);
                        if (loss == 2) {
                            long y = t.getAtIndex(ValueLayout.JAVA_LONG, ot + r);
                            double z = margin - at(x, ox + r * c + y) + xi;
                            double wy = w == null ? 1 : at(w, ow + y);
                            sum += i != y && z > 0 ? wy * Math.pow(z, p) : 0;
                        } else {
                            double yi = at(t, ot + r * c + i);
                            double wi = w == null ? 1 : at(w, ow + i);
                            sum += wi * (yi * Math.log1p(Math.exp(-xi)) + (1 - yi) * Math.log1p(Math.exp(xi)));
                        }
                    }
                    FuzzArgs.close(what + " [" + r + "]", at(out, r), sum / c, Math.abs(sum / c) + 1);
                }
                return;
            }
            for (long i = 0; i < n; i++) {
                double xi = at(x, ox + i);
                double ti = at(t, ot + i);
                double want = switch (loss) {
                    case 0 -> Math.log1p(Math.exp(-ti * xi));
                    case 1 -> (ti != 1 ? Math.max(0, margin - xi) : 0) + (ti != -1 ? xi : 0);
                    case 4 -> (flag ? Math.exp(xi) - ti * xi : xi - ti * Math.log(xi + eps))
                            + (full && ti > 1 ? ti * Math.log(ti) - ti + 0.5 * Math.log(2 * Math.PI * ti) : 0);
                    default -> {
                        double v = Math.max(at(w, ow + (flag ? i / c : i)), eps);
                        yield 0.5 * (Math.log(v) + (xi - ti) * (xi - ti) / v) + (full ? 0.5 * Math.log(2 * Math.PI) : 0);
                    }
                };
                FuzzArgs.close(what + " [" + i + "]", at(out, i), want, Math.abs(want) + 1);
            }
        }
    }

    /**
     * CTC, forward and backward, with any sizes, lengths, labels, blanks and offsets: a refusal
     * or a result, never a read outside the segments. With log-probabilities that are a frame's
     * log-softmax, a loss is at least 0 (a probability is at most 1) and each frame's gradient
     * sums to 0 over the classes (PyTorch's is that of the softmax's logits).
     */
    @FuzzTest
    void ctc(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            boolean backward = f.bool();
            boolean zeroInfinity = f.bool();
            long t = f.dim(8);
            long n = f.dim(3);
            long c = f.dim(6);
            long s = f.dim(4);
            long blank = f.pick(0, 1) == 0 ? 0 : f.dim(6);
            long lpOff = f.offset();
            long tgOff = f.offset();
            MemorySegment lp = f.floats(footprint(lpOff, t * n * c, 1));
            MemorySegment targets = f.longs(footprint(tgOff, n * s, 1), -1, c);
            MemorySegment inputLengths = f.longs(footprint(0, n, 1), 0, t + 1);
            MemorySegment targetLengths = f.longs(footprint(0, n, 1), -1, s + 1);
            double workspaceDoubles;
            try {
                workspaceDoubles = Ctc.workspaceDoubles(t, s, c);
            } catch (IllegalArgumentException overflow) {
                return;
            }
            if (workspaceDoubles > 1 << 20) {
                return;                                      // T x S doubles: what the harness allocates, not a finding
            }
            long cells = t >= 0 && n >= 0 && c >= 0 ? dev.panamax.kernels.Checks.elements(t, n, c) : -1;   // saturating
            boolean softmaxRows = lp != null && f.bool() && cells > 0 && lpOff >= 0 && lpOff <= lp.byteSize() / Float.BYTES - cells;
            if (softmaxRows) {
                for (long row = 0; row < t * n; row++) {       // each frame's log-softmax
                    double max = Double.NEGATIVE_INFINITY;
                    for (long k = 0; k < c; k++) {
                        max = Math.max(max, at(lp, lpOff + row * c + k));
                    }
                    double sum = 0;
                    for (long k = 0; k < c; k++) {
                        sum += Math.exp(at(lp, lpOff + row * c + k) - max);
                    }
                    for (long k = 0; k < c; k++) {
                        lp.setAtIndex(ValueLayout.JAVA_FLOAT, lpOff + row * c + k,
                                (float) (at(lp, lpOff + row * c + k) - max - Math.log(sum)));
                    }
                }
            }
            MemorySegment workspace = f.bool() ? null : arena.allocate((long) workspaceDoubles * Double.BYTES + 8, 8);
            String what = "ctc T " + t + " N " + n + " C " + c + " S " + s + " blank " + blank;
            if (!backward) {
                MemorySegment nll = f.floats(footprint(0, n, 1));
                if (FuzzArgs.accepted(() -> Ctc.forward(t, n, c, s, lp, lpOff, targets, tgOff, inputLengths, 0, targetLengths, 0,
                        blank, zeroInfinity, workspace, nll, 0), nll) && softmaxRows) {
                    for (long b = 0; b < n; b++) {
                        if (!(at(nll, b) >= -1e-4)) {
                            throw new AssertionError(what + ": loss " + at(nll, b) + " of sample " + b + " below 0");
                        }
                    }
                }
                return;
            }
            MemorySegment up = f.bool() ? null : f.floats(footprint(0, n, 1));
            float uniform = f.scalar();
            MemorySegment g = f.floats(footprint(0, t * n * c, 1));
            if (FuzzArgs.accepted(() -> Ctc.backward(t, n, c, s, lp, lpOff, targets, tgOff, inputLengths, 0, targetLengths, 0,
                    blank, zeroInfinity, up, 0, uniform, workspace, g, 0), g) && softmaxRows && zeroInfinity) {
                for (long row = 0; row < t * n; row++) {
                    double sum = 0;
                    double magnitude = 0;
                    for (long k = 0; k < c; k++) {
                        sum += at(g, row * c + k);
                        magnitude += Math.abs(at(g, row * c + k));
                    }
                    if (Double.isFinite(sum)) {
                        FuzzArgs.close(what + " gradient sum of frame row " + row, (float) sum, 0, magnitude);
                    }
                }
            }
        }
    }

    private static double pDistance(MemorySegment u, long ou, MemorySegment v, long ov, long d, float eps, double p) {
        double s = 0;
        for (long k = 0; k < d; k++) {
            s += Math.pow(Math.abs((double) at(u, ou + k) - at(v, ov + k) + eps), p);
        }
        return Math.pow(s, 1 / p);
    }

    @FuzzTest
    void losses(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int loss = f.pick(0, 1, 2, 3);                    // cross-entropy, BCE with logits, MSE, soft-target cross-entropy
            boolean backward = f.bool();
            long n = f.dim(6);
            long c = f.dim(9);
            long xOff = f.offset();
            long tOff = f.offset();
            long wOff = f.offset();
            long gOff = f.offset();
            float gradLoss = f.scalar();
            switch (loss) {
                case 0 -> {
                    long ld = f.stride(c);
                    long ldGrad = f.stride(c);
                    long ignore = f.pick(0, 1) == 0 ? CrossEntropy.IGNORE_INDEX : f.dim(9);
                    float smoothing = f.pick(0, 1, 2) == 0 ? f.scalar() : 0.1f * f.pick(0, 1, 5, 10);
                    MemorySegment x = f.floats(footprint(xOff, n, ld, c, 1));
                    MemorySegment t = f.longs(footprint(tOff, n, 1), -1, c);
                    if (t != null) {
                        for (long i = 0; i < t.byteSize() / Long.BYTES; i++) {
                            int r = f.nextInt(8);
                            t.setAtIndex(I64, i, r == 0 ? ignore : r == 1 ? -1 - f.nextInt(3) : r == 2 ? c + f.nextInt(3)
                                    : c <= 0 ? 0 : f.nextInt((int) Math.min(c, Integer.MAX_VALUE)));
                        }
                    }
                    MemorySegment w = f.bool() ? null : f.floats(footprint(wOff, c, 1));
                    if (w != null) {
                        for (long k = 0; k < w.byteSize() / Float.BYTES; k++) {     // class weights are positive
                            w.setAtIndex(ValueLayout.JAVA_FLOAT, k, Math.abs(at(w, k)) + 0.1f);
                        }
                    }
                    MemorySegment g = f.floats(footprint(gOff, n, ldGrad, c, 1));
                    if (!backward) {
                        float[] got = new float[1];
                        if (FuzzArgs.accepted(() -> got[0] = CrossEntropy.forward(n, c, x, xOff, ld, t, tOff, w, wOff, smoothing,
                                ignore))) {
                            double[] want = crossEntropy(n, c, x, xOff, ld, t, tOff, w, wOff, smoothing, ignore);
                            FuzzArgs.close("cross_entropy n " + n + " c " + c + " smoothing " + smoothing, got[0],
                                    want[0] / want[1], 20);
                        }
                    } else if (FuzzArgs.accepted(() -> CrossEntropy.backward(n, c, x, xOff, ld, t, tOff, w, wOff, smoothing, ignore,
                            gradLoss, g, gOff, ldGrad), g)) {
                        crossEntropy(n, c, x, xOff, ld, t, tOff, w, wOff, smoothing, ignore);   // every target valid
                        for (long i = 0; i < n; i++) {
                            double rowSum = 0;
                            for (long k = 0; k < c; k++) {
                                rowSum += at(g, gOff + i * ldGrad + k);
                            }
                            // without weights, each row's gradient sums to zero (softmax minus a distribution)
                            if (w == null && Double.isFinite(rowSum)) {
                                FuzzArgs.close("cross_entropy gradient row " + i + " sum", (float) rowSum, 0, c);
                            }
                        }
                    }
                }
                case 1 -> {
                    MemorySegment x = f.floats(footprint(xOff, n * c, 1));
                    MemorySegment t = f.floats(footprint(tOff, n * c, 1));
                    MemorySegment p = f.bool() ? null : f.floats(footprint(wOff, c, 1));
                    MemorySegment g = f.floats(footprint(gOff, n * c, 1));
                    if (!backward) {
                        float[] got = new float[1];
                        if (FuzzArgs.accepted(() -> got[0] = BinaryCrossEntropyWithLogits.forward(n, c, x, xOff, t, tOff, p, wOff))) {
                            double sum = 0;
                            for (long i = 0; i < n * c; i++) {
                                double xv = at(x, xOff + i);
                                double tv = at(t, tOff + i);
                                double pw = p == null ? 1 : at(p, wOff + i % c);
                                double softplus = Math.log1p(Math.exp(-Math.abs(xv))) + Math.max(-xv, 0);
                                sum += (1 - tv) * xv + (pw * tv + 1 - tv) * softplus;
                            }
                            FuzzArgs.close("bce n " + n + " c " + c, got[0], sum / (n * c), 10);
                        }
                    } else {
                        FuzzArgs.accepted(() -> BinaryCrossEntropyWithLogits.backward(n, c, x, xOff, t, tOff, p, wOff, gradLoss, g,
                                gOff), g);
                    }
                }
                case 3 -> {
                    long ld = f.stride(c);
                    long ldTarget = f.stride(c);
                    long ldGrad = f.stride(c);
                    float smoothing = f.pick(0, 1, 2) == 0 ? f.scalar() : 0.1f * f.pick(0, 1, 5, 10);
                    MemorySegment x = f.floats(footprint(xOff, n, ld, c, 1));
                    MemorySegment t = f.floats(footprint(tOff, n, ldTarget, c, 1));
                    MemorySegment w = f.bool() ? null : f.floats(footprint(wOff, c, 1));
                    MemorySegment g = f.floats(footprint(gOff, n, ldGrad, c, 1));
                    if (!backward) {
                        float[] got = new float[1];
                        if (FuzzArgs.accepted(() -> got[0] = SoftTargetCrossEntropy.forward(n, c, x, xOff, ld, t, tOff, ldTarget, w,
                                wOff, smoothing))) {
                            double sum = 0;
                            for (long i = 0; i < n; i++) {
                                double lse = logSumExp(c, x, xOff + i * ld);
                                for (long k = 0; k < c; k++) {
                                    double tk = (1 - (double) smoothing) * at(t, tOff + i * ldTarget + k) + smoothing / (double) c;
                                    sum += (w == null ? 1 : at(w, wOff + k)) * tk * (lse - at(x, xOff + i * ld + k));
                                }
                            }
                            FuzzArgs.close("soft cross_entropy n " + n + " c " + c + " smoothing " + smoothing, got[0], sum / n,
                                    20 * c);
                        }
                    } else if (FuzzArgs.accepted(() -> SoftTargetCrossEntropy.backward(n, c, x, xOff, ld, t, tOff, ldTarget, w, wOff,
                            smoothing, gradLoss, g, gOff, ldGrad), g) && w == null) {
                        for (long i = 0; i < n; i++) {
                            double rowSum = 0;
                            double scale = 0;
                            for (long k = 0; k < c; k++) {
                                rowSum += at(g, gOff + i * ldGrad + k);
                                scale += Math.abs(at(g, gOff + i * ldGrad + k));
                            }
                            // p S - t' sums to S - S = 0 over a row without weights, whatever the targets
                            if (Double.isFinite(rowSum)) {
                                FuzzArgs.close("soft cross_entropy gradient row " + i + " sum", (float) (rowSum / Math.max(1, scale)), 0,
                                        4 * c);
                            }
                        }
                    }
                }
                default -> {
                    long count = n * c;
                    MemorySegment x = f.floats(footprint(xOff, count, 1));
                    MemorySegment t = f.floats(footprint(tOff, count, 1));
                    MemorySegment gx = f.bool() ? null : f.floats(footprint(gOff, count, 1));
                    MemorySegment gt = f.bool() ? null : f.floats(footprint(wOff, count, 1));
                    if (!backward) {
                        float[] got = new float[1];
                        if (FuzzArgs.accepted(() -> got[0] = MseLoss.forward(count, x, xOff, t, tOff))) {
                            double sum = 0;
                            for (long i = 0; i < count; i++) {
                                double d = at(x, xOff + i) - at(t, tOff + i);
                                sum += d * d;
                            }
                            FuzzArgs.close("mse n " + count, got[0], sum / count, 4);
                        }
                    } else if (FuzzArgs.accepted(() -> MseLoss.backward(count, x, xOff, t, tOff, gradLoss, gx, gOff, gt, wOff),
                            gx, gt)) {
                        for (long i = 0; i < count; i++) {
                            double want = 2.0 * gradLoss * (at(x, xOff + i) - at(t, tOff + i)) / count;
                            if (gx != null) {
                                FuzzArgs.close("mse gx", at(gx, gOff + i), want, 4);
                            }
                            if (gt != null) {
                                FuzzArgs.close("mse gt", at(gt, wOff + i), -want, 4);
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code log sum_k exp(x[row + k])} over C values, in double. */
    private static double logSumExp(long c, MemorySegment x, long row) {
        double max = Double.NEGATIVE_INFINITY;
        for (long k = 0; k < c; k++) {
            max = Math.max(max, at(x, row + k));
        }
        double sum = 0;
        for (long k = 0; k < c; k++) {
            sum += Math.exp(at(x, row + k) - max);
        }
        return max + Math.log(sum);
    }

    /** {@code {numerator, W}} of PyTorch's mean cross-entropy; fails if a target is neither a class nor ignored. */
    private static double[] crossEntropy(long n, long c, MemorySegment x, long xOff, long ld, MemorySegment t, long tOff,
                                         MemorySegment w, long wOff, float eps, long ignore) {
        if (!(eps >= 0 && eps <= 1)) {
            throw new AssertionError("accepted label smoothing " + eps + " outside [0, 1]");
        }
        double num = 0;
        double total = 0;
        for (long i = 0; i < n; i++) {
            long target = t.getAtIndex(I64, tOff + i);
            if (target == ignore) {
                continue;
            }
            if (target < 0 || target >= c) {
                throw new AssertionError("accepted target " + target + " outside [0, " + c + ") and not ignore_index " + ignore);
            }
            double lse = logSumExp(c, x, xOff + i * ld);
            double wt = w == null ? 1 : at(w, wOff + target);
            double smooth = 0;
            for (long k = 0; k < c; k++) {
                smooth += (w == null ? 1 : at(w, wOff + k)) * (lse - at(x, xOff + i * ld + k));
            }
            num += (1 - eps) * wt * (lse - at(x, xOff + i * ld + target)) + eps / c * smooth;
            total += wt;
        }
        return new double[] {num, total};
    }
}
