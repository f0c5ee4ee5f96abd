package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * Cross-entropy of logits against class indices or class probabilities, as
 * {@code torch.nn.CrossEntropyLoss}: logits {@code [N, C]}, one sample's {@code [C]}, or
 * {@code [N, C, d1, ..., dk]} (a score per class at every position, the mean running over all of
 * them); the target either int64 class indices of the logits' shape without C ({@code [N]},
 * {@code []}, {@code [N, d1, ..., dk]}) or float32 probabilities of the logits' shape (soft
 * labels: mixup, distillation). Optional class weights {@code [C]} (for unbalanced classes; with
 * indices the mean divides by the summed weights of the targets, with probabilities by the
 * number of positions, as PyTorch's), label smoothing, and {@code ignore_index} (-100 by default,
 * indices only): targets with that value take no part, as the padded positions of a batch of
 * sequences. The mean by default, or the sum, or ({@link Reduction#NONE}) each position's
 * weighted loss, shaped as the target of indices ({@code [N]}, {@code []}, {@code [N, d1, ...]}).
 */
public final class CrossEntropyLoss implements Loss {

    private final Tensor weight;
    private final float labelSmoothing;
    private final long ignoreIndex;
    private final Reduction reduction;
    private Tensor logits;
    private Tensor target;

    /** Unweighted, no smoothing. */
    public CrossEntropyLoss() {
        this(null, 0f);
    }

    /**
     * @param weight         class weights {@code [C]}, or null
     * @param labelSmoothing in [0, 1]
     */
    public CrossEntropyLoss(Tensor weight, float labelSmoothing) {
        this(weight, labelSmoothing, dev.panamax.kernels.loss.CrossEntropy.IGNORE_INDEX);
    }

    /**
     * @param weight         class weights {@code [C]}, or null
     * @param labelSmoothing in [0, 1]
     * @param ignoreIndex    the target value that marks a position to ignore
     */
    public CrossEntropyLoss(Tensor weight, float labelSmoothing, long ignoreIndex) {
        this(weight, labelSmoothing, ignoreIndex, Reduction.MEAN);
    }

    /** Unweighted, no smoothing, reduced by {@code reduction}. */
    public CrossEntropyLoss(Reduction reduction) {
        this(null, 0f, dev.panamax.kernels.loss.CrossEntropy.IGNORE_INDEX, reduction);
    }

    /**
     * @param weight         class weights {@code [C]}, or null
     * @param labelSmoothing in [0, 1]
     * @param ignoreIndex    the target value that marks a position to ignore
     * @param reduction      mean (PyTorch's default), sum or none
     */
    public CrossEntropyLoss(Tensor weight, float labelSmoothing, long ignoreIndex, Reduction reduction) {
        this.reduction = LossChecks.checked(reduction);
        this.ignoreIndex = ignoreIndex;
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1], got " + labelSmoothing);
        }
        this.weight = weight;
        this.labelSmoothing = labelSmoothing;
    }

    /**
     * Weights that balance classes: {@code N / (C count_c)} for class counts {@code count_c}
     * (scikit-learn's "balanced"), as a tensor for this loss; a class with no sample gets 0.
     */
    public static Tensor balancedWeights(long[] classCounts, Arena arena) {
        long total = 0;
        for (long c : classCounts) {
            if (c < 0) {
                throw new IllegalArgumentException("class counts must be >= 0");
            }
            total += c;
        }
        float[] w = new float[classCounts.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = classCounts[i] == 0 ? 0f : (float) ((double) total / ((double) classCounts.length * classCounts[i]));
        }
        return Tensor.of(arena, w, w.length);
    }

    /** The class weights {@code [C]}, or null. */
    public Tensor weight() {
        return weight;
    }

    /** The label smoothing, in [0, 1]. */
    public float labelSmoothing() {
        return labelSmoothing;
    }

    /** The target value that marks a position to ignore. */
    public long ignoreIndex() {
        return ignoreIndex;
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public float forward(Tensor logits, Tensor target, Arena arena) {
        LossChecks.requireOneNumber(this);
        return forwardTensor(logits, target, arena).item();
    }

    @Override
    public Tensor forwardTensor(Tensor logits, Tensor target, Arena arena) {
        Tensor loss = Losses.crossEntropy(logits, target, weight, labelSmoothing, ignoreIndex, reduction, arena);
        this.logits = logits;
        this.target = target;
        return loss;
    }

    @Override
    public Tensor backward(Arena arena) {
        LossChecks.requireForward(this, logits);
        LossChecks.requireOneNumber(this);
        return reduction == Reduction.MEAN
                ? Losses.crossEntropyBackward(logits, target, weight, labelSmoothing, ignoreIndex, 1f, arena)
                : backward(Tensor.scalar(arena, 1f), arena);
    }

    @Override
    public Tensor backward(Tensor gradLoss, Arena arena) {
        LossChecks.requireForward(this, logits);
        return Losses.crossEntropyBackward(logits, target, weight, labelSmoothing, ignoreIndex, reduction, gradLoss, arena);
    }
}
