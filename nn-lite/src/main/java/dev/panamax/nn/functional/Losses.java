package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.loss.BinaryCrossEntropyWithLogits;
import dev.panamax.kernels.loss.CrossEntropy;
import dev.panamax.kernels.loss.MseLoss;
import dev.panamax.kernels.loss.SoftTargetCrossEntropy;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Loss functions with {@code reduction="mean"}, as {@code torch.nn.functional}: each returns a
 * 0-d tensor, and its backward returns the gradient of the inputs scaled by the upstream
 * gradient of the loss ({@code 1} when the loss is the final scalar).
 */
public final class Losses {

    private Losses() {
    }

    /**
     * {@code cross_entropy(logits, target, weight [C] or null, label_smoothing)}, shapes as
     * {@link #crossEntropy(Tensor, Tensor, Tensor, float, long, Arena)}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, float labelSmoothing, Arena arena) {
        return crossEntropy(logits, target, weight, labelSmoothing, CrossEntropy.IGNORE_INDEX, arena);
    }

    /**
     * {@code cross_entropy(logits, target, weight, label_smoothing, ignore_index)} with PyTorch's
     * shapes: logits {@code [N, C]}, one sample's {@code [C]}, or {@code [N, C, d1, ..., dk]} (a
     * score per class at every position, as a segmentation's, the mean then running over every
     * position); target either class indices (int64, the logits' shape without C: {@code [N]},
     * {@code []}, {@code [N, d1, ..., dk]}), where positions whose target is {@code ignoreIndex}
     * take no part (the padded positions of a batch of sequences), or class probabilities
     * (float32, the logits' shape: {@link SoftTargetCrossEntropy}, ignore_index unused).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, float labelSmoothing, long ignoreIndex,
                                      Arena arena) {
        boolean soft = checkCrossEntropy(logits, target, weight);
        Tensor l = classRows(logits, arena);
        Tensor w = Layouts.dense(weight, arena);
        float loss;
        if (soft) {
            Tensor t = classRows(target, arena);
            loss = SoftTargetCrossEntropy.forward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), t.stride(0), segment(w), offset(w), labelSmoothing);
        } else {
            Tensor t = Layouts.dense(target, arena);      // row-major [N, d1, ...]: the order of the logits' rows
            loss = CrossEntropy.forward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), segment(w), offset(w), labelSmoothing, ignoreIndex);
        }
        return Tensor.scalar(arena, loss);
    }

    /** The gradient of {@link #crossEntropy} with respect to the logits. */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor target, Tensor weight, float labelSmoothing,
                                              float gradLoss, Arena arena) {
        return crossEntropyBackward(logits, target, weight, labelSmoothing, CrossEntropy.IGNORE_INDEX, gradLoss, arena);
    }

    /** The gradient of {@link #crossEntropy} with respect to the logits: of their shape, dense, zero where a target is ignored. */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor target, Tensor weight, float labelSmoothing,
                                              long ignoreIndex, float gradLoss, Arena arena) {
        boolean soft = checkCrossEntropy(logits, target, weight);
        Tensor l = classRows(logits, arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor g = logits.rank() == 2 ? Tensor.zerosLike(arena, logits) : Tensor.empty(arena, l.size(0), l.size(1));
        if (soft) {
            Tensor t = classRows(target, arena);
            SoftTargetCrossEntropy.backward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), t.stride(0), segment(w), offset(w), labelSmoothing, gradLoss,
                    g.segment(), g.offset(), l.size(1));
        } else {
            Tensor t = Layouts.dense(target, arena);
            CrossEntropy.backward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), segment(w), offset(w), labelSmoothing, ignoreIndex, gradLoss,
                    g.segment(), g.offset(), l.size(1));
        }
        return fromClassRows(g, logits, arena);
    }

    /** {@code mse_loss(input, target)}: the mean of the squared differences, any shape. */
    public static Tensor mse(Tensor input, Tensor target, Arena arena) {
        Layouts.requireSameShape("target", target, input);
        Tensor a = Layouts.dense(input, arena);
        Tensor b = Layouts.dense(target, arena);
        return Tensor.scalar(arena, MseLoss.forward(a.numel(), a.segment(), a.offset(), b.segment(), b.offset()));
    }

    /** The gradients of {@link #mse}: {@code [d input, d target]}. */
    public static Tensor[] mseBackward(Tensor input, Tensor target, float gradLoss, Arena arena) {
        Layouts.requireSameShape("target", target, input);
        Tensor a = Layouts.dense(input, arena);
        Tensor b = Layouts.dense(target, arena);
        Tensor ga = Tensor.zerosLike(arena, input);
        Tensor gb = Tensor.zerosLike(arena, input);
        MseLoss.backward(a.numel(), a.segment(), a.offset(), b.segment(), b.offset(), gradLoss,
                ga.segment(), 0, gb.segment(), 0);
        return new Tensor[] {ga, gb};
    }

    /**
     * {@code binary_cross_entropy_with_logits(logits, target, pos_weight)}: logits and target of
     * one shape, pos_weight (or null) the size of the last dimension.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target, Tensor posWeight, Arena arena) {
        long c = checkBce(logits, target, posWeight);
        Tensor x = Layouts.dense(logits, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor p = Layouts.dense(posWeight, arena);
        float loss = BinaryCrossEntropyWithLogits.forward(x.numel() / c, c, x.segment(), x.offset(),
                t.segment(), t.offset(), segment(p), offset(p));
        return Tensor.scalar(arena, loss);
    }

    /** The gradient of {@link #bceWithLogits} with respect to the logits. */
    public static Tensor bceWithLogitsBackward(Tensor logits, Tensor target, Tensor posWeight, float gradLoss,
                                               Arena arena) {
        long c = checkBce(logits, target, posWeight);
        Tensor x = Layouts.dense(logits, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor p = Layouts.dense(posWeight, arena);
        Tensor g = Tensor.zerosLike(arena, logits);
        BinaryCrossEntropyWithLogits.backward(x.numel() / c, c, x.segment(), x.offset(), t.segment(), t.offset(),
                segment(p), offset(p), gradLoss, g.segment(), 0);
        return g;
    }

    /**
     * Checks cross-entropy's operands; returns whether the target holds class probabilities
     * (float32) rather than class indices (int64).
     */
    private static boolean checkCrossEntropy(Tensor logits, Tensor target, Tensor weight) {
        Layouts.requireType("logits", logits, DType.FLOAT32);
        int rank = logits.rank();
        if (rank == 0) {
            throw new IllegalArgumentException("logits must be [N, C], [C] or [N, C, d1, ...], got a scalar");
        }
        if (weight != null) {
            Layouts.requireShape("weight", weight, logits.size(rank == 1 ? 0 : 1));
        }
        if (target.dtype() == DType.FLOAT32) {
            if (!target.sameShape(logits)) {
                throw new IllegalArgumentException("a target of class probabilities (float32) must have the logits' shape "
                        + Arrays.toString(logits.shape()) + ", got " + Arrays.toString(target.shape())
                        + " (class indices are int64)");
            }
            return true;
        }
        if (rank == 2) {                                  // else int64: class indices
            Layouts.requireShape("target", target, logits.size(0));
        } else if (!Arrays.equals(target.shape(), withoutClasses(logits))) {
            throw new IllegalArgumentException("a target of class indices must have the logits' shape without C, "
                    + Arrays.toString(withoutClasses(logits)) + " for logits " + Arrays.toString(logits.shape()) + ", got "
                    + Arrays.toString(target.shape()));
        }
        return false;
    }

    /** The logits' shape without its class dimension (dimension 1, or 0 for one sample's {@code [C]}). */
    private static long[] withoutClasses(Tensor logits) {
        long[] shape = logits.shape();
        int classes = shape.length == 1 ? 0 : 1;
        long[] out = new long[shape.length - 1];
        for (int d = 0, j = 0; d < shape.length; d++) {
            if (d != classes) {
                out[j++] = shape[d];
            }
        }
        return out;
    }

    /**
     * Logits (or probabilities) as rows of C with unit stride: {@code [N, C]} as it is when its
     * rows are dense, {@code [C]} as one row, {@code [N, C, d1, ...]} with the classes moved last
     * ({@code [N d1 ..., C]}, a copy), the rows in the row-major order of {@code [N, d1, ...]}.
     */
    private static Tensor classRows(Tensor t, Arena arena) {
        int rank = t.rank();
        if (rank == 2) {
            return t.stride(1) == 1 || t.size(1) == 1 ? t : t.contiguous(arena);
        }
        if (rank == 1) {
            return t.contiguous(arena).view(1, t.size(0));
        }
        int[] classesLast = new int[rank];
        for (int d = 0; d < rank; d++) {
            classesLast[d] = d == 0 ? 0 : d == rank - 1 ? 1 : d + 1;
        }
        return t.permute(classesLast).contiguous(arena).view(-1, t.size(1));
    }

    /** Rows from {@link #classRows} back in the layout of {@code like}, dense. */
    private static Tensor fromClassRows(Tensor rows, Tensor like, Arena arena) {
        int rank = like.rank();
        if (rank == 2) {
            return rows;
        }
        if (rank == 1) {
            return rows.view(like.size(0));
        }
        long[] shape = new long[rank];
        int[] classesSecond = new int[rank];
        for (int d = 0; d < rank; d++) {
            shape[d] = like.size(d == 0 ? 0 : d == rank - 1 ? 1 : d + 1);
            classesSecond[d] = d == 0 ? 0 : d == 1 ? rank - 1 : d - 1;
        }
        return rows.view(shape).permute(classesSecond).contiguous(arena);
    }

    private static long checkBce(Tensor logits, Tensor target, Tensor posWeight) {
        Layouts.requireSameShape("target", target, logits);
        long c = logits.rank() == 0 ? 1 : logits.size(-1);
        if (posWeight != null) {
            Layouts.requireShape("pos_weight", posWeight, c);
        }
        if (c == 0) {
            throw new IllegalArgumentException("logits must have a non-empty last dimension");
        }
        return c;
    }

    private static MemorySegment segment(Tensor t) {
        return t == null ? null : t.segment();
    }

    private static long offset(Tensor t) {
        return t == null ? 0 : t.offset();
    }
}
