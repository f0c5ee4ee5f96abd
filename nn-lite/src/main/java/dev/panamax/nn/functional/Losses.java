package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.loss.AbsoluteErrorLoss;
import dev.panamax.kernels.loss.AbsoluteErrorLoss.Kind;
import dev.panamax.kernels.loss.BinaryCrossEntropyWithLogits;
import dev.panamax.kernels.loss.CrossEntropy;
import dev.panamax.kernels.loss.MseLoss;
import dev.panamax.kernels.loss.NllLoss;
import dev.panamax.kernels.loss.ProbabilityLoss;
import dev.panamax.kernels.loss.Reduction;
import dev.panamax.kernels.loss.SoftTargetCrossEntropy;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Loss functions, as {@code torch.nn.functional}. Without a {@link Reduction} argument they take
 * PyTorch's default, {@code reduction="mean"}: each returns a 0-d tensor, and its backward the
 * gradient of the inputs scaled by the upstream gradient of the loss ({@code 1} when the loss is
 * the final scalar). With one, {@link Reduction#SUM} returns a 0-d tensor too and
 * {@link Reduction#NONE} the unreduced losses; their backward takes the upstream gradient as a
 * tensor of the loss's shape, as autograd hands it.
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
        return crossEntropy(logits, target, weight, labelSmoothing, ignoreIndex, Reduction.MEAN, arena);
    }

    /**
     * {@code cross_entropy(..., reduction)}, the operands as
     * {@link #crossEntropy(Tensor, Tensor, Tensor, float, long, Arena)}: the mean or the sum as a
     * 0-d tensor, or ({@link Reduction#NONE}) each position's loss, shaped as the logits without
     * C ({@code [N]}, {@code []}, {@code [N, d1, ..., dk]}), weighted, 0 where the target is ignored.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, float labelSmoothing, long ignoreIndex,
                                      Reduction reduction, Arena arena) {
        boolean soft = checkCrossEntropy(logits, target, weight);
        Tensor l = classRows(logits, arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor t = soft ? classRows(target, arena) : Layouts.dense(target, arena);
        if (reduction == Reduction.NONE) {
            Tensor losses = Tensor.empty(arena, withoutClasses(logits));
            if (soft) {
                SoftTargetCrossEntropy.rowLosses(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                        t.segment(), t.offset(), t.stride(0), Layouts.segment(w), Layouts.offset(w), labelSmoothing,
                        losses.segment(), losses.offset());
            } else {
                CrossEntropy.rowLosses(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0), t.segment(), t.offset(),
                        Layouts.segment(w), Layouts.offset(w), labelSmoothing, ignoreIndex, losses.segment(), losses.offset());
            }
            return losses;
        }
        float loss;
        if (soft) {
            loss = SoftTargetCrossEntropy.forward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), t.stride(0), Layouts.segment(w), Layouts.offset(w), labelSmoothing, reduction);
        } else {                                          // t: row-major [N, d1, ...], the order of the logits' rows
            loss = CrossEntropy.forward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), Layouts.segment(w), Layouts.offset(w), labelSmoothing, ignoreIndex, reduction);
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
        return crossEntropyBackward(logits, target, weight, labelSmoothing, ignoreIndex, Reduction.MEAN, gradLoss, null, arena);
    }

    /**
     * The gradient of {@link #crossEntropy(Tensor, Tensor, Tensor, float, long, Reduction, Arena)}
     * with respect to the logits, given the upstream gradient of its result: 0-d for
     * {@link Reduction#MEAN} and {@link Reduction#SUM}, of the losses' shape for {@link Reduction#NONE}.
     */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor target, Tensor weight, float labelSmoothing,
                                              long ignoreIndex, Reduction reduction, Tensor gradLoss, Arena arena) {
        checkCrossEntropy(logits, target, weight);
        return reduction == Reduction.NONE
                ? crossEntropyBackward(logits, target, weight, labelSmoothing, ignoreIndex, reduction, 0f,
                        upstream(gradLoss, withoutClasses(logits), reduction, arena), arena)
                : crossEntropyBackward(logits, target, weight, labelSmoothing, ignoreIndex, reduction,
                        upstream(gradLoss, SCALAR, reduction, arena).item(), null, arena);
    }

    /** The backward, scaled by {@code gradLoss} or, for {@link Reduction#NONE}, by each of {@code gradRows}. */
    private static Tensor crossEntropyBackward(Tensor logits, Tensor target, Tensor weight, float labelSmoothing,
                                               long ignoreIndex, Reduction reduction, float gradLoss, Tensor gradRows,
                                               Arena arena) {
        boolean soft = checkCrossEntropy(logits, target, weight);
        Tensor l = classRows(logits, arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor g = logits.rank() == 2 ? Tensor.zerosLike(arena, logits) : Tensor.empty(arena, l.size(0), l.size(1));
        Tensor t = soft ? classRows(target, arena) : Layouts.dense(target, arena);
        if (soft && gradRows != null) {
            SoftTargetCrossEntropy.rowsBackward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), t.stride(0), Layouts.segment(w), Layouts.offset(w), labelSmoothing,
                    gradRows.segment(), gradRows.offset(), g.segment(), g.offset(), l.size(1));
        } else if (soft) {
            SoftTargetCrossEntropy.backward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), t.stride(0), Layouts.segment(w), Layouts.offset(w), labelSmoothing, reduction, gradLoss,
                    g.segment(), g.offset(), l.size(1));
        } else if (gradRows != null) {
            CrossEntropy.rowsBackward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), Layouts.segment(w), Layouts.offset(w), labelSmoothing, ignoreIndex,
                    gradRows.segment(), gradRows.offset(), g.segment(), g.offset(), l.size(1));
        } else {
            CrossEntropy.backward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                    t.segment(), t.offset(), Layouts.segment(w), Layouts.offset(w), labelSmoothing, ignoreIndex, reduction, gradLoss,
                    g.segment(), g.offset(), l.size(1));
        }
        return fromClassRows(g, logits, arena);
    }

    /** {@code mse_loss(input, target)}: the mean of the squared differences, any shape. */
    public static Tensor mse(Tensor input, Tensor target, Arena arena) {
        return mse(input, target, Reduction.MEAN, arena);
    }

    /**
     * {@code mse_loss(input, target, reduction)}: the mean or the sum of the squared differences as
     * a 0-d tensor, or ({@link Reduction#NONE}) each of them, in the input's shape.
     */
    public static Tensor mse(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        requireFloatPair(input, target);
        Tensor a = Layouts.dense(input, arena);
        Tensor b = Layouts.dense(target, arena);
        if (reduction == Reduction.NONE) {
            Tensor losses = Tensor.empty(arena, input.shape());
            MseLoss.elementLosses(a.numel(), a.segment(), a.offset(), b.segment(), b.offset(), losses.segment(), losses.offset());
            return losses;
        }
        return Tensor.scalar(arena, MseLoss.forward(a.numel(), a.segment(), a.offset(), b.segment(), b.offset(), reduction));
    }

    /** The gradients of {@link #mse}: {@code [d input, d target]}. */
    public static Tensor[] mseBackward(Tensor input, Tensor target, float gradLoss, Arena arena) {
        return mseBackward(input, target, Reduction.MEAN, gradLoss, null, arena);
    }

    /**
     * The gradients of {@link #mse(Tensor, Tensor, Reduction, Arena)}, {@code [d input, d target]},
     * given the upstream gradient of its result (0-d, or the input's shape for {@link Reduction#NONE}).
     */
    public static Tensor[] mseBackward(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        requireFloatPair(input, target);
        return reduction == Reduction.NONE
                ? mseBackward(input, target, reduction, 0f, upstream(gradLoss, input.shape(), reduction, arena), arena)
                : mseBackward(input, target, reduction, upstream(gradLoss, SCALAR, reduction, arena).item(), null, arena);
    }

    private static Tensor[] mseBackward(Tensor input, Tensor target, Reduction reduction, float gradLoss, Tensor gradLosses,
                                        Arena arena) {
        requireFloatPair(input, target);
        Tensor a = Layouts.dense(input, arena);
        Tensor b = Layouts.dense(target, arena);
        Tensor ga = Tensor.zerosLike(arena, input);
        Tensor gb = Tensor.zerosLike(arena, input);
        if (gradLosses != null) {
            MseLoss.elementsBackward(a.numel(), a.segment(), a.offset(), b.segment(), b.offset(), gradLosses.segment(),
                    gradLosses.offset(), ga.segment(), 0, gb.segment(), 0);
        } else {
            MseLoss.backward(a.numel(), a.segment(), a.offset(), b.segment(), b.offset(), reduction, gradLoss,
                    ga.segment(), 0, gb.segment(), 0);
        }
        return new Tensor[] {ga, gb};
    }

    /**
     * {@code binary_cross_entropy_with_logits(logits, target, pos_weight)}: logits and target of
     * one shape, pos_weight (or null) the size of the last dimension.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target, Tensor posWeight, Arena arena) {
        return bceWithLogits(logits, target, posWeight, Reduction.MEAN, arena);
    }

    /**
     * {@code binary_cross_entropy_with_logits(logits, target, pos_weight, reduction)}: the mean or
     * the sum as a 0-d tensor, or ({@link Reduction#NONE}) each element's loss, in the logits' shape.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target, Tensor posWeight, Reduction reduction, Arena arena) {
        long c = checkBce(logits, target, posWeight);
        Tensor x = Layouts.dense(logits, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor p = Layouts.dense(posWeight, arena);
        if (reduction == Reduction.NONE) {
            Tensor losses = Tensor.empty(arena, logits.shape());
            BinaryCrossEntropyWithLogits.elementLosses(x.numel() / c, c, x.segment(), x.offset(), t.segment(), t.offset(),
                    Layouts.segment(p), Layouts.offset(p), losses.segment(), losses.offset());
            return losses;
        }
        float loss = BinaryCrossEntropyWithLogits.forward(x.numel() / c, c, x.segment(), x.offset(),
                t.segment(), t.offset(), Layouts.segment(p), Layouts.offset(p), reduction);
        return Tensor.scalar(arena, loss);
    }

    /** The gradient of {@link #bceWithLogits} with respect to the logits. */
    public static Tensor bceWithLogitsBackward(Tensor logits, Tensor target, Tensor posWeight, float gradLoss,
                                               Arena arena) {
        return bceWithLogitsBackward(logits, target, posWeight, Reduction.MEAN, gradLoss, null, arena);
    }

    /**
     * The gradient of {@link #bceWithLogits(Tensor, Tensor, Tensor, Reduction, Arena)} with respect to
     * the logits, given the upstream gradient of its result (0-d, or the logits' shape for
     * {@link Reduction#NONE}).
     */
    public static Tensor bceWithLogitsBackward(Tensor logits, Tensor target, Tensor posWeight, Reduction reduction,
                                               Tensor gradLoss, Arena arena) {
        checkBce(logits, target, posWeight);
        return reduction == Reduction.NONE
                ? bceWithLogitsBackward(logits, target, posWeight, reduction, 0f,
                        upstream(gradLoss, logits.shape(), reduction, arena), arena)
                : bceWithLogitsBackward(logits, target, posWeight, reduction,
                        upstream(gradLoss, SCALAR, reduction, arena).item(), null, arena);
    }

    private static Tensor bceWithLogitsBackward(Tensor logits, Tensor target, Tensor posWeight, Reduction reduction,
                                                float gradLoss, Tensor gradLosses, Arena arena) {
        long c = checkBce(logits, target, posWeight);
        Tensor x = Layouts.dense(logits, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor p = Layouts.dense(posWeight, arena);
        Tensor g = Tensor.zerosLike(arena, logits);
        if (gradLosses != null) {
            BinaryCrossEntropyWithLogits.elementsBackward(x.numel() / c, c, x.segment(), x.offset(), t.segment(), t.offset(),
                    Layouts.segment(p), Layouts.offset(p), gradLosses.segment(), gradLosses.offset(), g.segment(), 0);
        } else {
            BinaryCrossEntropyWithLogits.backward(x.numel() / c, c, x.segment(), x.offset(), t.segment(), t.offset(),
                    Layouts.segment(p), Layouts.offset(p), reduction, gradLoss, g.segment(), 0);
        }
        return g;
    }

    /** {@code l1_loss(input, target, reduction)}: {@code |input - target|}, any shape. */
    public static Tensor l1(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return absoluteError(Kind.L1, 0f, input, target, reduction, arena);
    }

    /** The gradients of {@link #l1}, {@code [d input, d target]}, given the upstream gradient of its result. */
    public static Tensor[] l1Backward(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return absoluteErrorBackward(Kind.L1, 0f, input, target, reduction, gradLoss, arena);
    }

    /**
     * {@code smooth_l1_loss(input, target, reduction, beta)}: {@code d^2 / (2 beta)} below
     * {@code beta}, {@code |d| - beta / 2} above, for {@code d = input - target}; beta 0 is L1.
     */
    public static Tensor smoothL1(Tensor input, Tensor target, float beta, Reduction reduction, Arena arena) {
        return absoluteError(Kind.SMOOTH_L1, beta, input, target, reduction, arena);
    }

    /** The gradients of {@link #smoothL1}, {@code [d input, d target]}. */
    public static Tensor[] smoothL1Backward(Tensor input, Tensor target, float beta, Reduction reduction, Tensor gradLoss,
                                            Arena arena) {
        return absoluteErrorBackward(Kind.SMOOTH_L1, beta, input, target, reduction, gradLoss, arena);
    }

    /**
     * {@code huber_loss(input, target, reduction, delta)}: {@code d^2 / 2} below {@code delta},
     * {@code delta (|d| - delta / 2)} above; delta must be positive, as PyTorch requires.
     */
    public static Tensor huber(Tensor input, Tensor target, float delta, Reduction reduction, Arena arena) {
        return absoluteError(Kind.HUBER, delta, input, target, reduction, arena);
    }

    /** The gradients of {@link #huber}, {@code [d input, d target]}. */
    public static Tensor[] huberBackward(Tensor input, Tensor target, float delta, Reduction reduction, Tensor gradLoss,
                                         Arena arena) {
        return absoluteErrorBackward(Kind.HUBER, delta, input, target, reduction, gradLoss, arena);
    }

    private static Tensor absoluteError(Kind kind, float width, Tensor input, Tensor target, Reduction reduction,
                                        Arena arena) {
        requireFloatPair(input, target);
        Tensor a = Layouts.dense(input, arena);
        Tensor b = Layouts.dense(target, arena);
        if (reduction == Reduction.NONE) {
            Tensor losses = Tensor.empty(arena, input.shape());
            AbsoluteErrorLoss.elementLosses(kind, width, a.numel(), a.segment(), a.offset(), b.segment(), b.offset(),
                    losses.segment(), losses.offset());
            return losses;
        }
        return Tensor.scalar(arena, AbsoluteErrorLoss.forward(kind, width, a.numel(), a.segment(), a.offset(), b.segment(),
                b.offset(), reduction));
    }

    private static Tensor[] absoluteErrorBackward(Kind kind, float width, Tensor input, Tensor target, Reduction reduction,
                                                  Tensor gradLoss, Arena arena) {
        requireFloatPair(input, target);
        Tensor a = Layouts.dense(input, arena);
        Tensor b = Layouts.dense(target, arena);
        Tensor ga = Tensor.emptyLike(arena, input);
        Tensor gb = Tensor.emptyLike(arena, input);
        if (reduction == Reduction.NONE) {
            Tensor g = upstream(gradLoss, input.shape(), reduction, arena);
            AbsoluteErrorLoss.elementsBackward(kind, width, a.numel(), a.segment(), a.offset(), b.segment(), b.offset(),
                    g.segment(), g.offset(), ga.segment(), ga.offset(), gb.segment(), gb.offset());
        } else {
            AbsoluteErrorLoss.backward(kind, width, a.numel(), a.segment(), a.offset(), b.segment(), b.offset(), reduction,
                    upstream(gradLoss, SCALAR, reduction, arena).item(), ga.segment(), ga.offset(), gb.segment(),
                    gb.offset());
        }
        return new Tensor[] {ga, gb};
    }

    /**
     * {@code binary_cross_entropy(input, target, weight, reduction)}: {@code input} probabilities in
     * [0, 1] (a sigmoid's output; anything else is refused), {@code target} of its shape, {@code weight}
     * (or null) weighing each element's loss, of a shape that broadcasts to the input's (PyTorch's
     * broadcasting: trailing dimensions equal or 1). Each logarithm is clamped at -100, as PyTorch's,
     * so a probability of exactly 0 or 1 gives a finite loss. The mean divides by the elements, not
     * the weights. The with-logits form ({@link #bceWithLogits}) is the stabler one to train with.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction, Arena arena) {
        return probabilityLoss(ProbabilityLoss.Kind.BINARY_CROSS_ENTROPY, input, target, weight, reduction, arena);
    }

    /**
     * The gradient of {@link #binaryCrossEntropy} with respect to its input, given the upstream
     * gradient of its result (0-d, or the input's shape for {@link Reduction#NONE}):
     * {@code weight (x - t) / max(x (1 - x), 1e-12)}, as PyTorch's.
     */
    public static Tensor binaryCrossEntropyBackward(Tensor input, Tensor target, Tensor weight, Reduction reduction,
                                                    Tensor gradLoss, Arena arena) {
        return probabilityLossBackward(ProbabilityLoss.Kind.BINARY_CROSS_ENTROPY, input, target, weight, reduction,
                gradLoss, arena);
    }

    /**
     * {@code kl_div(input, target, reduction, log_target)}: the Kullback-Leibler divergence of the
     * target's distribution from the input's, {@code input} log-probabilities, {@code target}
     * probabilities of its shape ({@code t log t - t x}, 0 where t is 0) or, with {@code logTarget},
     * log-probabilities ({@code exp(t) (t - x)}). {@link Reduction#MEAN} is PyTorch's default and
     * divides by every element; the divergence per sample that the formula defines is
     * {@link #klDivBatchMean}.
     */
    public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction, boolean logTarget, Arena arena) {
        return probabilityLoss(klKind(logTarget), input, target, null, reduction, arena);
    }

    /** The gradient of {@link #klDiv} with respect to its input ({@code -t} or {@code -exp(t)}, scaled). */
    public static Tensor klDivBackward(Tensor input, Tensor target, Reduction reduction, boolean logTarget,
                                       Tensor gradLoss, Arena arena) {
        return probabilityLossBackward(klKind(logTarget), input, target, null, reduction, gradLoss, arena);
    }

    /**
     * {@code kl_div(input, target, reduction="batchmean", log_target)}: the summed divergence divided
     * by the batch, {@code input.size(0)} (1 for a 0-d input), a 0-d tensor: the mean divergence per
     * sample, which is what the formula's KL is.
     */
    public static Tensor klDivBatchMean(Tensor input, Tensor target, boolean logTarget, Arena arena) {
        float sum = klDiv(input, target, Reduction.SUM, logTarget, arena).item();
        return Tensor.scalar(arena, (float) ((double) sum / batch(input)));
    }

    /** The gradient of {@link #klDivBatchMean} with respect to its input, given the 0-d upstream gradient. */
    public static Tensor klDivBatchMeanBackward(Tensor input, Tensor target, boolean logTarget, Tensor gradLoss,
                                                Arena arena) {
        float up = upstream(gradLoss, SCALAR, Reduction.MEAN, arena).item();
        return klDivBackward(input, target, Reduction.SUM, logTarget,
                Tensor.scalar(arena, (float) ((double) up / batch(input))), arena);
    }

    private static long batch(Tensor input) {
        return input.rank() == 0 ? 1 : input.size(0);
    }

    private static ProbabilityLoss.Kind klKind(boolean logTarget) {
        return logTarget ? ProbabilityLoss.Kind.KL_DIVERGENCE_LOG_TARGET : ProbabilityLoss.Kind.KL_DIVERGENCE;
    }

    private static Tensor probabilityLoss(ProbabilityLoss.Kind kind, Tensor input, Tensor target, Tensor weight,
                                          Reduction reduction, Arena arena) {
        requireFloatPair(input, target);
        Tensor x = Layouts.dense(input, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor w = weight == null ? null : Layouts.dense(Layouts.broadcast("weight", weight, input.shape()), arena);
        if (reduction == Reduction.NONE) {
            Tensor losses = Tensor.empty(arena, input.shape());
            ProbabilityLoss.elementLosses(kind, x.numel(), x.segment(), x.offset(), t.segment(), t.offset(), Layouts.segment(w),
                    Layouts.offset(w), losses.segment(), losses.offset());
            return losses;
        }
        return Tensor.scalar(arena, ProbabilityLoss.forward(kind, x.numel(), x.segment(), x.offset(), t.segment(),
                t.offset(), Layouts.segment(w), Layouts.offset(w), reduction));
    }

    private static Tensor probabilityLossBackward(ProbabilityLoss.Kind kind, Tensor input, Tensor target, Tensor weight,
                                                  Reduction reduction, Tensor gradLoss, Arena arena) {
        requireFloatPair(input, target);
        Tensor x = Layouts.dense(input, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor w = weight == null ? null : Layouts.dense(Layouts.broadcast("weight", weight, input.shape()), arena);
        Tensor g = Tensor.emptyLike(arena, input);
        if (reduction == Reduction.NONE) {
            Tensor up = upstream(gradLoss, input.shape(), reduction, arena);
            ProbabilityLoss.elementsBackward(kind, x.numel(), x.segment(), x.offset(), t.segment(), t.offset(), Layouts.segment(w),
                    Layouts.offset(w), up.segment(), up.offset(), g.segment(), g.offset());
        } else {
            ProbabilityLoss.backward(kind, x.numel(), x.segment(), x.offset(), t.segment(), t.offset(), Layouts.segment(w),
                    Layouts.offset(w), reduction, upstream(gradLoss, SCALAR, reduction, arena).item(), g.segment(), g.offset());
        }
        return g;
    }

    /** An input and a target of one shape, both float32 (an int64 target read as floats would be a wrong answer). */
    static void requireFloatPair(Tensor input, Tensor target) {
        Layouts.requireType("input", input, DType.FLOAT32);
        Layouts.requireType("target", target, DType.FLOAT32);
        Layouts.requireSameShape("target", target, input);
    }

    /**
     * {@code nll_loss(input, target, weight, ignore_index, reduction)}: log-probabilities with
     * cross-entropy's shapes ({@code [N, C]}, {@code [C]}, {@code [N, C, d1, ...]}) against int64
     * class indices of their shape without C; {@link Reduction#NONE} gives each position's loss in
     * that shape.
     */
    public static Tensor nll(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction,
                             Arena arena) {
        checkNll(input, target, weight);
        Tensor l = classRows(input, arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor t = Layouts.dense(target, arena);
        if (reduction == Reduction.NONE) {
            Tensor losses = Tensor.empty(arena, withoutClasses(input));
            NllLoss.rowLosses(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0), t.segment(), t.offset(),
                    Layouts.segment(w), Layouts.offset(w), ignoreIndex, losses.segment(), losses.offset());
            return losses;
        }
        return Tensor.scalar(arena, NllLoss.forward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0),
                t.segment(), t.offset(), Layouts.segment(w), Layouts.offset(w), ignoreIndex, reduction));
    }

    /** The gradient of {@link #nll} with respect to its input, given the upstream gradient of its result. */
    public static Tensor nllBackward(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction,
                                    Tensor gradLoss, Arena arena) {
        checkNll(input, target, weight);
        Tensor l = classRows(input, arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor t = Layouts.dense(target, arena);
        Tensor g = Tensor.empty(arena, l.size(0), l.size(1));
        if (reduction == Reduction.NONE) {
            Tensor up = upstream(gradLoss, withoutClasses(input), reduction, arena);
            NllLoss.rowsBackward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0), t.segment(), t.offset(),
                    Layouts.segment(w), Layouts.offset(w), ignoreIndex, up.segment(), up.offset(), g.segment(), g.offset(), l.size(1));
        } else {
            NllLoss.backward(l.size(0), l.size(1), l.segment(), l.offset(), l.stride(0), t.segment(), t.offset(),
                    Layouts.segment(w), Layouts.offset(w), ignoreIndex, reduction, upstream(gradLoss, SCALAR, reduction, arena).item(),
                    g.segment(), g.offset(), l.size(1));
        }
        return fromClassRows(g, input, arena);
    }

    private static void checkNll(Tensor input, Tensor target, Tensor weight) {
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException("nll_loss takes class indices (int64) as its target, got " + target.dtype());
        }
        checkCrossEntropy(input, target, weight);
    }

    /**
     * The upstream gradient of a loss of shape {@code shape} (0-d unless the reduction is NONE),
     * float32 and dense.
     */
    static Tensor upstream(Tensor gradLoss, long[] shape, Reduction reduction, Arena arena) {
        if (reduction == null) {
            throw new IllegalArgumentException("reduction must not be null");
        }
        if (gradLoss == null) {
            throw new IllegalArgumentException("gradLoss must not be null: the upstream gradient of the loss, shape "
                    + Arrays.toString(shape) + " (reduction " + reduction.pytorchName() + ")");
        }
        Layouts.requireType("gradLoss", gradLoss, DType.FLOAT32);
        if (!gradLoss.hasShape(shape)) {            // the name built only here: a step makes no string
            Layouts.requireShape("gradLoss (reduction " + reduction.pytorchName() + ")", gradLoss, shape);
        }
        return Layouts.dense(gradLoss, arena);
    }

    /** The shape of a reduced loss's gradient, 0-d: one array for every call. */
    static final long[] SCALAR = {};

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
        Layouts.requireType("logits", logits, DType.FLOAT32);
        Layouts.requireType("target", target, DType.FLOAT32);
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
}
