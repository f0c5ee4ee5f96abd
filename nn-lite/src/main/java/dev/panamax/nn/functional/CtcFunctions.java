package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import dev.panamax.kernels.loss.Ctc;
import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code torch.nn.functional.ctc_loss} and its gradient ({@link Ctc} has the recursions).
 *
 * <ul>
 * <li>{@code logProbs}: {@code [T, N, C]} float32 log-probabilities (a log-softmax over C), or one
 *     sample's {@code [T, C]}.</li>
 * <li>{@code targets}: int64, {@code [N, S]} padded (sample b's labels are its first
 *     {@code targetLengths[b]}) or the labels of all samples one after another
 *     ({@code [sum of targetLengths]}); one sample's {@code [S]}. No label is the blank.</li>
 * <li>{@code inputLengths}, {@code targetLengths}: one per sample; frames in {@code [1, T]}.</li>
 * </ul>
 * The reductions are PyTorch's: {@link Reduction#MEAN} divides each loss by its target length (at
 * least 1) and averages over the batch, {@link Reduction#SUM} adds the losses, {@link Reduction#NONE}
 * gives one per sample ({@code [N]}, or 0-d for one sample). {@code zeroInfinity} turns the infinite
 * loss of a target its frames cannot align to (and its gradient) into 0.
 */
public final class CtcFunctions {

    private CtcFunctions() {
    }

    /** The CTC loss, reduced. */
    public static Tensor ctcLoss(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, int blank,
                                 Reduction reduction, boolean zeroInfinity, Arena arena) {
        Problem p = problem(logProbs, targets, inputLengths, targetLengths, reduction, arena);
        Tensor nll = Tensor.empty(arena, p.n);
        Ctc.forward(p.t, p.n, p.c, p.s, p.logProbs.segment(), p.logProbs.offset(), p.targets, 0, p.inputLengths, 0,
                p.targetLengths, 0, blank, zeroInfinity, workspace(p, arena), nll.segment(), nll.offset());
        if (reduction == Reduction.NONE) {
            return logProbs.rank() == 2 ? nll.view() : nll;
        }
        double sum = 0;
        for (int b = 0; b < p.n; b++) {
            sum += reduction == Reduction.MEAN ? nll.get(b) / Math.max(targetLengths[b], 1) : nll.get(b);
        }
        return Tensor.scalar(arena, (float) (reduction == Reduction.MEAN ? sum / p.n : sum));
    }

    /**
     * The gradient of {@link #ctcLoss} with respect to {@code logProbs} (PyTorch's, which is that
     * of the logits of the log-softmax that made them), given the upstream gradient of its result.
     */
    public static Tensor ctcLossBackward(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, int blank,
                                         Reduction reduction, boolean zeroInfinity, Tensor gradLoss, Arena arena) {
        Problem p = problem(logProbs, targets, inputLengths, targetLengths, reduction, arena);
        long[] lossShape = reduction != Reduction.NONE || logProbs.rank() == 2 ? new long[0] : new long[] {p.n};
        Tensor up = Losses.upstream(gradLoss, lossShape, reduction, arena);
        Tensor perSample = Tensor.empty(arena, p.n);
        for (int b = 0; b < p.n; b++) {
            float g = reduction == Reduction.NONE ? (lossShape.length == 0 ? up.item() : up.get(b)) : up.item();
            perSample.set(reduction == Reduction.MEAN ? (float) ((double) g / p.n / Math.max(targetLengths[b], 1)) : g, b);
        }
        Tensor grad = Tensor.emptyLike(arena, logProbs);
        Ctc.backward(p.t, p.n, p.c, p.s, p.logProbs.segment(), p.logProbs.offset(), p.targets, 0, p.inputLengths, 0,
                p.targetLengths, 0, blank, zeroInfinity, perSample.segment(), perSample.offset(), 0f, workspace(p, arena),
                grad.segment(), grad.offset());
        return grad;
    }

    private record Problem(long t, long n, long c, long s, Tensor logProbs, MemorySegment targets, MemorySegment inputLengths,
                           MemorySegment targetLengths) {
    }

    private static MemorySegment workspace(Problem p, Arena arena) {
        return p.n == 0 ? null : arena.allocate(Ctc.workspaceDoubles(p.t, p.s, p.c) * Double.BYTES, Double.BYTES);
    }

    private static Problem problem(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths,
                                   Reduction reduction, Arena arena) {
        if (reduction == null) {
            throw new IllegalArgumentException("reduction must not be null");
        }
        Layouts.requireType("logProbs", logProbs, DType.FLOAT32);
        Layouts.requireType("targets", targets, DType.INT64);
        if (logProbs.rank() != 3 && logProbs.rank() != 2) {
            throw new IllegalArgumentException("logProbs must be [T, N, C] or one sample's [T, C], got "
                    + Arrays.toString(logProbs.shape()));
        }
        boolean one = logProbs.rank() == 2;
        long t = logProbs.size(0);
        long n = one ? 1 : logProbs.size(1);
        long c = logProbs.size(-1);
        if (inputLengths == null || targetLengths == null || inputLengths.length != n || targetLengths.length != n) {
            throw new IllegalArgumentException("inputLengths and targetLengths need one length per sample (" + n + "), got "
                    + (inputLengths == null ? "null" : inputLengths.length) + " and "
                    + (targetLengths == null ? "null" : targetLengths.length));
        }
        Tensor tg = targets.contiguous(arena);
        long s;
        MemorySegment padded;
        if (!one && targets.rank() == 2) {
            if (targets.size(0) != n) {
                throw new IllegalArgumentException("targets [N, S] must have N = " + n + " rows, got " + Arrays.toString(targets.shape()));
            }
            s = targets.size(1);
            padded = tg.segment().asSlice(tg.offset() * Long.BYTES, n * s * Long.BYTES);
        } else if (targets.rank() == 1 && one) {
            s = targets.size(0);
            padded = tg.segment().asSlice(tg.offset() * Long.BYTES, s * Long.BYTES);
        } else if (targets.rank() == 1) {
            // the labels of every sample one after another: padded to the longest
            long total = 0;
            long longest = 0;
            for (long len : targetLengths) {
                if (len < 0) {
                    throw new IllegalArgumentException("target lengths must be >= 0, got " + Arrays.toString(targetLengths));
                }
                total += len;
                longest = Math.max(longest, len);
            }
            if (targets.size(0) != total) {
                throw new IllegalArgumentException("concatenated targets must hold the sum of the target lengths (" + total
                        + ") labels, got " + targets.size(0));
            }
            s = longest;
            padded = arena.allocate(Math.max(1, n * s) * Long.BYTES, Long.BYTES);
            long from = 0;
            for (int b = 0; b < n; b++) {
                MemorySegment.copy(tg.segment(), ValueLayout.JAVA_LONG, (tg.offset() + from) * Long.BYTES, padded,
                        ValueLayout.JAVA_LONG, b * s * Long.BYTES, targetLengths[b]);
                from += targetLengths[b];
            }
        } else {
            throw new IllegalArgumentException("targets must be [N, S] or concatenated [sum of target lengths] for a batch, [S] "
                    + "for one sample; got " + Arrays.toString(targets.shape()));
        }
        MemorySegment il = arena.allocate(Math.max(1, n) * Long.BYTES, Long.BYTES);
        MemorySegment tl = arena.allocate(Math.max(1, n) * Long.BYTES, Long.BYTES);
        MemorySegment.copy(inputLengths, 0, il, ValueLayout.JAVA_LONG, 0, (int) n);
        MemorySegment.copy(targetLengths, 0, tl, ValueLayout.JAVA_LONG, 0, (int) n);
        return new Problem(t, n, c, s, logProbs.contiguous(arena), padded, il, tl);
    }
}
