package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.loss.MarginLosses;
import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * The margin losses of metric learning, as {@code torch.nn.functional}'s
 * {@code margin_ranking_loss}, {@code cosine_embedding_loss} and {@code triplet_margin_loss}, with
 * their {@code reduction}: {@link Reduction#MEAN} and {@link Reduction#SUM} give a 0-d tensor,
 * {@link Reduction#NONE} one loss per element or row. Each backward takes the upstream gradient of
 * that result and returns the gradients of the inputs, in order.
 */
public final class MarginLossFunctions {

    private MarginLossFunctions() {
    }

    /**
     * {@code max(0, -y (x1 - x2) + margin)}: x1, x2 and y (float32, 1 or -1: which input should
     * rank higher) of one shape.
     */
    public static Tensor marginRanking(Tensor x1, Tensor x2, Tensor target, float margin, Reduction reduction, Arena arena) {
        checkSame(x1, x2, target);
        Tensor a = x1.contiguous(arena);
        Tensor b = x2.contiguous(arena);
        Tensor y = target.contiguous(arena);
        Tensor rows = Tensor.empty(arena, a.numel());
        MarginLosses.marginRanking(a.numel(), a.segment(), a.offset(), b.segment(), b.offset(), y.segment(), y.offset(), margin,
                rows.segment(), rows.offset());
        return reduce(rows, x1.shape(), reduction, arena);
    }

    /** The gradients of {@link #marginRanking}: {@code [d x1, d x2]}. */
    public static Tensor[] marginRankingBackward(Tensor x1, Tensor x2, Tensor target, float margin, Reduction reduction,
                                                 Tensor gradLoss, Arena arena) {
        checkSame(x1, x2, target);
        Tensor a = x1.contiguous(arena);
        Tensor b = x2.contiguous(arena);
        Tensor y = target.contiguous(arena);
        long n = a.numel();
        Tensor up = reduction == Reduction.NONE ? Losses.upstream(gradLoss, x1.shape(), reduction, arena) : null;
        Tensor g1 = Tensor.emptyLike(arena, x1);
        Tensor g2 = Tensor.emptyLike(arena, x1);
        MarginLosses.marginRankingBackward(n, a.segment(), a.offset(), b.segment(), b.offset(), y.segment(), y.offset(), margin,
                Layouts.segment(up), Layouts.offset(up), uniform(gradLoss, n, reduction, arena),
                g1.segment(), g1.offset(), g2.segment(), g2.offset());
        return new Tensor[] {g1, g2};
    }

    /**
     * {@code 1 - cos(x1, x2)} where {@code y = 1}, {@code max(0, cos(x1, x2) - margin)} where
     * {@code y = -1}, per row: x1 and x2 {@code [N, D]} (or one pair {@code [D]}), y {@code [N]} (or 0-d),
     * float32 or int64.
     */
    public static Tensor cosineEmbedding(Tensor x1, Tensor x2, Tensor target, float margin, Reduction reduction,
                                         Arena arena) {
        long[] rowShape = rowShape("cosine_embedding_loss", x1, x2, null);
        Tensor y = labels(target, rowShape, arena);
        Tensor a = x1.contiguous(arena);
        Tensor b = x2.contiguous(arena);
        long n = Tensor.product(rowShape);
        Tensor rows = Tensor.empty(arena, n);
        MarginLosses.cosineEmbedding(n, x1.size(-1), a.segment(), a.offset(), b.segment(), b.offset(), y.segment(), y.offset(),
                margin, rows.segment(), rows.offset());
        return reduce(rows, rowShape, reduction, arena);
    }

    /** The gradients of {@link #cosineEmbedding}: {@code [d x1, d x2]}. */
    public static Tensor[] cosineEmbeddingBackward(Tensor x1, Tensor x2, Tensor target, float margin, Reduction reduction,
                                                   Tensor gradLoss, Arena arena) {
        long[] rowShape = rowShape("cosine_embedding_loss", x1, x2, null);
        Tensor y = labels(target, rowShape, arena);
        Tensor a = x1.contiguous(arena);
        Tensor b = x2.contiguous(arena);
        long n = Tensor.product(rowShape);
        Tensor up = reduction == Reduction.NONE ? Losses.upstream(gradLoss, rowShape, reduction, arena) : null;
        Tensor g1 = Tensor.emptyLike(arena, x1);
        Tensor g2 = Tensor.emptyLike(arena, x1);
        MarginLosses.cosineEmbeddingBackward(n, x1.size(-1), a.segment(), a.offset(), b.segment(), b.offset(), y.segment(),
                y.offset(), margin, Layouts.segment(up), Layouts.offset(up),
                uniform(gradLoss, n, reduction, arena), g1.segment(), g1.offset(), g2.segment(), g2.offset());
        return new Tensor[] {g1, g2};
    }

    /**
     * {@code max(0, margin + d(a, p) - d(a, n))} per row, {@code d(u, v) = |u - v + eps|_p}
     * (PyTorch's defaults: margin 1, p 2, eps 1e-6, no swap); with {@code swap} the negative's
     * distance is the smaller of {@code d(a, n)} and {@code d(p, n)}. Anchors, positives and
     * negatives {@code [N, D]} (or one triplet {@code [D]}).
     */
    public static Tensor tripletMargin(Tensor anchor, Tensor positive, Tensor negative, float margin, double p, float eps,
                                       boolean swap, Reduction reduction, Arena arena) {
        long[] rowShape = rowShape("triplet_margin_loss", anchor, positive, negative);
        Tensor a = anchor.contiguous(arena);
        Tensor q = positive.contiguous(arena);
        Tensor g = negative.contiguous(arena);
        long n = Tensor.product(rowShape);
        Tensor rows = Tensor.empty(arena, n);
        MarginLosses.tripletMargin(n, anchor.size(-1), a.segment(), a.offset(), q.segment(), q.offset(), g.segment(), g.offset(),
                margin, p, eps, swap, rows.segment(), rows.offset());
        return reduce(rows, rowShape, reduction, arena);
    }

    /** The gradients of {@link #tripletMargin}: {@code [d anchor, d positive, d negative]}. */
    public static Tensor[] tripletMarginBackward(Tensor anchor, Tensor positive, Tensor negative, float margin, double p,
                                                 float eps, boolean swap, Reduction reduction, Tensor gradLoss, Arena arena) {
        long[] rowShape = rowShape("triplet_margin_loss", anchor, positive, negative);
        Tensor a = anchor.contiguous(arena);
        Tensor q = positive.contiguous(arena);
        Tensor g = negative.contiguous(arena);
        long n = Tensor.product(rowShape);
        Tensor up = reduction == Reduction.NONE ? Losses.upstream(gradLoss, rowShape, reduction, arena) : null;
        Tensor ga = Tensor.emptyLike(arena, anchor);
        Tensor gp = Tensor.emptyLike(arena, anchor);
        Tensor gn = Tensor.emptyLike(arena, anchor);
        MarginLosses.tripletMarginBackward(n, anchor.size(-1), a.segment(), a.offset(), q.segment(), q.offset(), g.segment(),
                g.offset(), margin, p, eps, swap, Layouts.segment(up), Layouts.offset(up),
                uniform(gradLoss, n, reduction, arena), ga.segment(), ga.offset(), gp.segment(), gp.offset(), gn.segment(),
                gn.offset());
        return new Tensor[] {ga, gp, gn};
    }

    /** The rows' losses reduced: their mean or sum as a 0-d tensor, or themselves in {@code shape}. */
    static Tensor reduce(Tensor rows, long[] shape, Reduction reduction, Arena arena) {
        if (reduction == null) {
            throw new IllegalArgumentException("reduction must not be null");
        }
        if (reduction == Reduction.NONE) {
            return rows.view(shape);
        }
        double sum = 0;
        long n = rows.numel();
        for (long i = 0; i < n; i++) {
            sum += FloatLanes.get(rows.segment(), rows.offset() + i);
        }
        return Tensor.scalar(arena, (float) (reduction == Reduction.SUM ? sum : sum / n));   // the mean of nothing is NaN
    }

    /** Each row's share of a reduced loss's upstream gradient (unused for NONE, whose rows have their own). */
    static float uniform(Tensor gradLoss, long n, Reduction reduction, Arena arena) {
        if (reduction == Reduction.NONE) {
            return 0f;
        }
        float up = Losses.upstream(gradLoss, Losses.SCALAR, reduction, arena).item();
        return reduction == Reduction.SUM ? up : (float) ((double) up / n);
    }

    private static void checkSame(Tensor x1, Tensor x2, Tensor target) {
        Layouts.requireType("input1", x1, DType.FLOAT32);
        Layouts.requireType("input2", x2, DType.FLOAT32);
        Layouts.requireType("target", target, DType.FLOAT32);
        Layouts.requireSameShape("input2", x2, x1);
        Layouts.requireSameShape("target", target, x1);
    }

    /** Rows of {@code [N, D]} or one {@code [D]}: the shape of their losses, {@code [N]} or {@code []}. */
    private static long[] rowShape(String what, Tensor x1, Tensor x2, Tensor x3) {
        Layouts.requireType("input1", x1, DType.FLOAT32);
        if (x1.rank() < 1 || x1.rank() > 2) {
            throw new IllegalArgumentException(what + " takes rows [N, D] or one [D], got " + Arrays.toString(x1.shape()));
        }
        Layouts.requireType("input2", x2, DType.FLOAT32);
        Layouts.requireSameShape("input2", x2, x1);
        if (x3 != null) {
            Layouts.requireType("input3", x3, DType.FLOAT32);
            Layouts.requireSameShape("input3", x3, x1);
        }
        return x1.rank() == 2 ? new long[] {x1.size(0)} : new long[0];
    }

    /** The target of 1 and -1 as float32 {@code shape}, from float32 or int64. */
    static Tensor labels(Tensor target, long[] shape, Arena arena) {
        if (!Arrays.equals(target.shape(), shape)) {
            throw new IllegalArgumentException("target must have shape " + Arrays.toString(shape) + " (a label per row or element), got "
                    + Arrays.toString(target.shape()));
        }
        if (target.dtype() == DType.FLOAT32) {
            return target.contiguous(arena);
        }
        Tensor y = Tensor.empty(arena, shape);
        Tensor t = target.contiguous(arena);
        for (long i = 0, n = t.numel(); i < n; i++) {
            FloatLanes.set(y.segment(), y.offset() + i, FloatLanes.getLong(t.segment(), t.offset() + i));
        }
        return y;
    }
}
