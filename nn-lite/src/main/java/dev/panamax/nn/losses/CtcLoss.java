package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.CtcFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.CTCLoss(blank, reduction, zero_infinity)}: connectionist temporal
 * classification, for sequence labelling without frame-level alignment (speech, handwriting):
 * {@code logProbs [T, N, C]} (a log-softmax over C) against int64 targets, {@code [N, S]} padded
 * or concatenated, with each sample's frame and target lengths (layouts at {@link CtcFunctions}).
 * Blank 0, the mean (losses divided by their target lengths, then averaged) and infinite losses
 * kept by default. {@link #backward} gives the gradient with respect to {@code logProbs} as
 * PyTorch's does: that of the logits of the log-softmax that produced them.
 */
public final class CtcLoss {

    private final int blank;
    private final Reduction reduction;
    private final boolean zeroInfinity;
    private Tensor logProbs;
    private Tensor targets;
    private long[] inputLengths;
    private long[] targetLengths;

    /** Blank 0, the mean, infinite losses kept: PyTorch's defaults. */
    public CtcLoss() {
        this(0, Reduction.MEAN, false);
    }

    public CtcLoss(int blank, Reduction reduction, boolean zeroInfinity) {
        if (blank < 0 || reduction == null) {
            throw new IllegalArgumentException("CTCLoss needs a blank >= 0 and a reduction, got " + blank + ", " + reduction);
        }
        this.blank = blank;
        this.reduction = reduction;
        this.zeroInfinity = zeroInfinity;
    }

    /** The reduced loss (mean or sum) as a number. */
    public float forward(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, Arena arena) {
        if (reduction == Reduction.NONE) {
            throw new IllegalStateException("reduction none gives one loss per sample: call forwardTensor");
        }
        return forwardTensor(logProbs, targets, inputLengths, targetLengths, arena).item();
    }

    /** The loss: 0-d for mean and sum, one per sample ({@code [N]}) for none. */
    public Tensor forwardTensor(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, Arena arena) {
        Tensor loss = CtcFunctions.ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity,
                arena);
        this.logProbs = logProbs;
        this.targets = targets;
        this.inputLengths = inputLengths.clone();
        this.targetLengths = targetLengths.clone();
        return loss;
    }

    /** The gradient with respect to the last forward's {@code logProbs}, for an upstream gradient of 1 (mean, sum). */
    public Tensor backward(Arena arena) {
        return backward(Tensor.scalar(arena, 1f), arena);
    }

    /** The gradient with respect to the last forward's {@code logProbs}, given the upstream gradient of its result. */
    public Tensor backward(Tensor gradLoss, Arena arena) {
        if (logProbs == null) {
            throw new IllegalStateException("backward before forward");
        }
        return CtcFunctions.ctcLossBackward(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity,
                gradLoss, arena);
    }
}
