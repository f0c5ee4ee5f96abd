package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.loss.BinaryCrossEntropyWithLogits;
import dev.panamax.kernels.loss.CrossEntropy;
import dev.panamax.kernels.loss.MseLoss;
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
     * {@code cross_entropy(logits [N, C], target [N] int64, weight [C] or null, label_smoothing)}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, float labelSmoothing, Arena arena) {
        return crossEntropy(logits, target, weight, labelSmoothing, CrossEntropy.IGNORE_INDEX, arena);
    }

    /**
     * {@code cross_entropy(..., ignore_index)}: rows whose target is {@code ignoreIndex} take no
     * part (the padded positions of a batch of sequences).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, float labelSmoothing, long ignoreIndex,
                                      Arena arena) {
        checkCrossEntropy(logits, target, weight);
        Tensor l = rowsDense(logits, arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor t = Layouts.dense(target, arena);
        float loss = CrossEntropy.forward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                t.segment(), t.offset(), segment(w), offset(w), labelSmoothing, ignoreIndex);
        return Tensor.scalar(arena, loss);
    }

    /** The gradient of {@link #crossEntropy} with respect to the logits. */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor target, Tensor weight, float labelSmoothing,
                                              float gradLoss, Arena arena) {
        return crossEntropyBackward(logits, target, weight, labelSmoothing, CrossEntropy.IGNORE_INDEX, gradLoss, arena);
    }

    /** The gradient of {@link #crossEntropy} with {@code ignore_index} (zero on ignored rows). */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor target, Tensor weight, float labelSmoothing,
                                              long ignoreIndex, float gradLoss, Arena arena) {
        checkCrossEntropy(logits, target, weight);
        Tensor l = rowsDense(logits, arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor g = Tensor.zerosLike(arena, logits);
        CrossEntropy.backward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                t.segment(), t.offset(), segment(w), offset(w), labelSmoothing, ignoreIndex, gradLoss,
                g.segment(), 0, l.size(1));
        return g;
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

    private static void checkCrossEntropy(Tensor logits, Tensor target, Tensor weight) {
        Layouts.requireRank("logits", logits, 2);
        Layouts.requireType("logits", logits, DType.FLOAT32);
        Layouts.requireType("target", target, DType.INT64);
        Layouts.requireShape("target", target, logits.size(0));
        if (weight != null) {
            Layouts.requireShape("weight", weight, logits.size(1));
        }
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

    /** Rows with unit element stride go as they are (any row stride); else a contiguous copy. */
    private static Tensor rowsDense(Tensor t, Arena arena) {
        return t.stride(1) == 1 || t.size(1) == 1 ? t : t.contiguous(arena);
    }

    private static MemorySegment segment(Tensor t) {
        return t == null ? null : t.segment();
    }

    private static long offset(Tensor t) {
        return t == null ? 0 : t.offset();
    }
}
