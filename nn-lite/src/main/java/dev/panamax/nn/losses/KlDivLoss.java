package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * The Kullback-Leibler divergence, as {@code torch.nn.KLDivLoss}: the input holds
 * log-probabilities (a log-softmax's output), the target probabilities of its shape or, with
 * {@code logTarget}, log-probabilities. Its reductions are PyTorch's: the element mean by default
 * ({@code "mean"}), the sum, each element's, and {@link #batchMean} ({@code "batchmean"}: the sum
 * over the batch size, the divergence per sample, as distillation and VAEs use it). The gradient
 * is the input's, {@code -t} (or {@code -exp(t)}) scaled.
 */
public final class KlDivLoss extends InputTargetLoss {

    private final boolean logTarget;
    private final boolean batchMean;

    /** The element mean, a target of probabilities: PyTorch's defaults. */
    public KlDivLoss() {
        this(Reduction.MEAN, false);
    }

    /**
     * @param logTarget whether the target holds log-probabilities ({@code log_target=True})
     */
    public KlDivLoss(Reduction reduction, boolean logTarget) {
        this(reduction, logTarget, false);
    }

    private KlDivLoss(Reduction reduction, boolean logTarget, boolean batchMean) {
        super(reduction);
        this.logTarget = logTarget;
        this.batchMean = batchMean;
    }

    /**
     * {@code reduction="batchmean"}: the summed divergence over {@code input.size(0)}. Its
     * {@link #reduction()} is {@link Reduction#MEAN} (one number, a mean) and {@link #isBatchMean()} true.
     */
    public static KlDivLoss batchMean(boolean logTarget) {
        return new KlDivLoss(Reduction.MEAN, logTarget, true);
    }

    /** Whether the mean is over the batch ({@code "batchmean"}) rather than over every element. */
    public boolean isBatchMean() {
        return batchMean;
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return batchMean ? Losses.klDivBatchMean(input, target, logTarget, arena)
                : Losses.klDiv(input, target, reduction, logTarget, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return batchMean ? Losses.klDivBatchMeanBackward(input, target, logTarget, gradLoss, arena)
                : Losses.klDivBackward(input, target, reduction, logTarget, gradLoss, arena);
    }
}
