package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.loss.ClassificationMarginLosses;
import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * The margin losses of classification, as {@code torch.nn.functional}'s {@code soft_margin_loss},
 * {@code hinge_embedding_loss}, {@code multi_margin_loss}, {@code multilabel_soft_margin_loss} and
 * {@code multilabel_margin_loss}, with their {@code reduction}: {@link Reduction#MEAN} and
 * {@link Reduction#SUM} give a 0-d tensor, {@link Reduction#NONE} one loss per element (the first
 * two) or per sample (the others). Each
 * backward takes the upstream gradient of that result and returns the input's gradient.
 */
public final class ClassificationMarginFunctions {

    private ClassificationMarginFunctions() {
    }

    /**
     * {@code log(1 + exp(-y x))} per element: the two-class logistic loss with labels 1 and -1
     * ({@code y} float32 or int64, of the input's shape).
     */
    public static Tensor softMargin(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        Tensor x = floats("input", input, arena);
        Tensor y = MarginLossFunctions.labels(target, input.shape(), arena);
        Tensor losses = Tensor.empty(arena, x.numel());
        ClassificationMarginLosses.softMargin(x.numel(), x.segment(), x.offset(), y.segment(), y.offset(), losses.segment(),
                losses.offset());
        return MarginLossFunctions.reduce(losses, input.shape(), reduction, arena);
    }

    /** The gradient of {@link #softMargin} with respect to its input. */
    public static Tensor softMarginBackward(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        Tensor x = floats("input", input, arena);
        Tensor y = MarginLossFunctions.labels(target, input.shape(), arena);
        long n = x.numel();
        Tensor up = perLoss(gradLoss, input.shape(), reduction, arena);
        Tensor g = Tensor.emptyLike(arena, input);
        ClassificationMarginLosses.softMarginBackward(n, x.segment(), x.offset(), y.segment(), y.offset(), Layouts.segment(up),
                Layouts.offset(up), MarginLossFunctions.uniform(gradLoss, n, reduction, arena), g.segment(), g.offset());
        return g;
    }

    /**
     * {@code x} where {@code y = 1}, {@code max(0, margin - x)} where {@code y = -1} (PyTorch's
     * default margin 1): x a distance, y whether the pair is similar ({@code y} float32 or int64, of
     * the input's shape).
     */
    public static Tensor hingeEmbedding(Tensor input, Tensor target, float margin, Reduction reduction, Arena arena) {
        Tensor x = floats("input", input, arena);
        Tensor y = MarginLossFunctions.labels(target, input.shape(), arena);
        Tensor losses = Tensor.empty(arena, x.numel());
        ClassificationMarginLosses.hingeEmbedding(x.numel(), x.segment(), x.offset(), y.segment(), y.offset(), margin,
                losses.segment(), losses.offset());
        return MarginLossFunctions.reduce(losses, input.shape(), reduction, arena);
    }

    /** The gradient of {@link #hingeEmbedding} with respect to its input. */
    public static Tensor hingeEmbeddingBackward(Tensor input, Tensor target, float margin, Reduction reduction,
                                                Tensor gradLoss, Arena arena) {
        Tensor x = floats("input", input, arena);
        Tensor y = MarginLossFunctions.labels(target, input.shape(), arena);
        long n = x.numel();
        Tensor up = perLoss(gradLoss, input.shape(), reduction, arena);
        Tensor g = Tensor.emptyLike(arena, input);
        ClassificationMarginLosses.hingeEmbeddingBackward(n, x.segment(), x.offset(), y.segment(), y.offset(), margin,
                Layouts.segment(up), Layouts.offset(up), MarginLossFunctions.uniform(gradLoss, n, reduction, arena), g.segment(), g.offset());
        return g;
    }

    /**
     * The multi-class hinge loss per sample, {@code sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / C}:
     * scores {@code [N, C]} (or one sample {@code [C]}) against int64 class indices {@code [N]} (or 0-d),
     * p 1 or 2 (PyTorch's defaults: p 1, margin 1), class weights {@code [C]} or null.
     */
    public static Tensor multiMargin(Tensor input, Tensor target, int p, float margin, Tensor weight, Reduction reduction,
                                     Arena arena) {
        long[] samples = sampleShape("multi_margin_loss", input);
        Tensor x = floats("input", input, arena);
        Tensor t = classIndices(target, samples, arena);
        Tensor w = classWeights(weight, input.size(-1), arena);
        long n = Tensor.product(samples);
        Tensor losses = Tensor.empty(arena, n);
        ClassificationMarginLosses.multiMargin(n, input.size(-1), x.segment(), x.offset(), t.segment(), t.offset(), p, margin,
                Layouts.segment(w), Layouts.offset(w), losses.segment(), losses.offset());
        return MarginLossFunctions.reduce(losses, samples, reduction, arena);
    }

    /** The gradient of {@link #multiMargin} with respect to its input. */
    public static Tensor multiMarginBackward(Tensor input, Tensor target, int p, float margin, Tensor weight,
                                             Reduction reduction, Tensor gradLoss, Arena arena) {
        long[] samples = sampleShape("multi_margin_loss", input);
        Tensor x = floats("input", input, arena);
        Tensor t = classIndices(target, samples, arena);
        Tensor w = classWeights(weight, input.size(-1), arena);
        long n = Tensor.product(samples);
        Tensor up = perLoss(gradLoss, samples, reduction, arena);
        Tensor g = Tensor.emptyLike(arena, input);
        ClassificationMarginLosses.multiMarginBackward(n, input.size(-1), x.segment(), x.offset(), t.segment(), t.offset(), p,
                margin, Layouts.segment(w), Layouts.offset(w), Layouts.segment(up), Layouts.offset(up), MarginLossFunctions.uniform(gradLoss, n, reduction, arena),
                g.segment(), g.offset());
        return g;
    }

    /**
     * The multi-label logistic loss per sample, the mean over classes of
     * {@code -w (y log sigmoid(x) + (1 - y) log sigmoid(-x))}: scores {@code [N, C]} (or {@code [C]}),
     * float32 targets of their shape (1 where a label applies), class weights {@code [C]} or null.
     */
    public static Tensor multilabelSoftMargin(Tensor input, Tensor target, Tensor weight, Reduction reduction, Arena arena) {
        long[] samples = sampleShape("multilabel_soft_margin_loss", input);
        Losses.requireFloatPair(input, target);
        Tensor x = input.contiguous(arena);
        Tensor y = target.contiguous(arena);
        Tensor w = classWeights(weight, input.size(-1), arena);
        long n = Tensor.product(samples);
        Tensor losses = Tensor.empty(arena, n);
        ClassificationMarginLosses.multilabelSoftMargin(n, input.size(-1), x.segment(), x.offset(), y.segment(), y.offset(),
                Layouts.segment(w), Layouts.offset(w), losses.segment(), losses.offset());
        return MarginLossFunctions.reduce(losses, samples, reduction, arena);
    }

    /** The gradient of {@link #multilabelSoftMargin} with respect to its input. */
    public static Tensor multilabelSoftMarginBackward(Tensor input, Tensor target, Tensor weight, Reduction reduction,
                                                      Tensor gradLoss, Arena arena) {
        long[] samples = sampleShape("multilabel_soft_margin_loss", input);
        Losses.requireFloatPair(input, target);
        Tensor x = input.contiguous(arena);
        Tensor y = target.contiguous(arena);
        Tensor w = classWeights(weight, input.size(-1), arena);
        long n = Tensor.product(samples);
        Tensor up = perLoss(gradLoss, samples, reduction, arena);
        Tensor g = Tensor.emptyLike(arena, input);
        ClassificationMarginLosses.multilabelSoftMarginBackward(n, input.size(-1), x.segment(), x.offset(), y.segment(),
                y.offset(), Layouts.segment(w), Layouts.offset(w), Layouts.segment(up), Layouts.offset(up),
                MarginLossFunctions.uniform(gradLoss, n, reduction, arena), g.segment(), g.offset());
        return g;
    }

    /**
     * The multi-label hinge loss per sample: scores {@code [N, C]} (or one sample {@code [C]}, or a
     * 0-d score of one class) against int64 targets of their shape that list each sample's classes
     * up to the first -1 (entries after it are ignored but must still be in {@code [-1, C)}), the
     * loss {@code sum over listed j, unlisted i of max(0, 1 - x[j] + x[i]) / C}. A class listed twice
     * counts twice, as in PyTorch.
     */
    public static Tensor multilabelMargin(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        long[] samples = multilabelSamples(input);
        Tensor x = floats("input", input, arena);
        Tensor t = classLists(target, input, arena);
        long n = Tensor.product(samples);
        Tensor losses = Tensor.empty(arena, n);
        ClassificationMarginLosses.multilabelMargin(n, classes(input), x.segment(), x.offset(), t.segment(), t.offset(),
                losses.segment(), losses.offset());
        return MarginLossFunctions.reduce(losses, samples, reduction, arena);
    }

    /** The gradient of {@link #multilabelMargin} with respect to its input. */
    public static Tensor multilabelMarginBackward(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss,
                                                  Arena arena) {
        long[] samples = multilabelSamples(input);
        Tensor x = floats("input", input, arena);
        Tensor t = classLists(target, input, arena);
        long n = Tensor.product(samples);
        Tensor up = perLoss(gradLoss, samples, reduction, arena);
        Tensor g = Tensor.emptyLike(arena, input);
        ClassificationMarginLosses.multilabelMarginBackward(n, classes(input), x.segment(), x.offset(), t.segment(),
                t.offset(), Layouts.segment(up), Layouts.offset(up), MarginLossFunctions.uniform(gradLoss, n, reduction, arena),
                g.segment(), g.offset());
        return g;
    }

    /** {@link #sampleShape} for multilabel_margin_loss, which also takes a 0-d score (one class) and needs a class. */
    private static long[] multilabelSamples(Tensor input) {
        if (input != null && input.rank() == 0) {
            return new long[0];
        }
        long[] samples = sampleShape("multilabel_margin_loss", input);
        if (input.size(-1) == 0) {
            throw new IllegalArgumentException("multilabel_margin_loss needs at least one class, got scores "
                    + Arrays.toString(input.shape()));
        }
        return samples;
    }

    private static long classes(Tensor input) {
        return input.rank() == 0 ? 1 : input.size(-1);
    }

    private static Tensor classLists(Tensor target, Tensor input, Arena arena) {
        Layouts.requireType("target", target, DType.INT64);
        Layouts.requireShape("target (the classes of each sample, ended by -1)", target, input.shape());
        return target.contiguous(arena);
    }

    /** Samples of scores {@code [N, C]} or one {@code [C]}: the shape of their losses, {@code [N]} or {@code []}. */
    private static long[] sampleShape(String what, Tensor input) {
        if (input == null || input.rank() < 1 || input.rank() > 2) {
            throw new IllegalArgumentException(what + " takes scores [N, C] or one sample [C], got "
                    + (input == null ? "null" : Arrays.toString(input.shape())));
        }
        return input.rank() == 2 ? new long[] {input.size(0)} : new long[0];
    }

    private static Tensor floats(String name, Tensor t, Arena arena) {
        Layouts.requireType(name, t, DType.FLOAT32);
        return t.contiguous(arena);
    }

    private static Tensor classIndices(Tensor target, long[] samples, Arena arena) {
        Layouts.requireType("target", target, DType.INT64);
        Layouts.requireShape("target (one class index per sample)", target, samples);
        return target.contiguous(arena);
    }

    private static Tensor classWeights(Tensor weight, long classes, Arena arena) {
        if (weight == null) {
            return null;
        }
        Layouts.requireType("weight", weight, DType.FLOAT32);
        Layouts.requireShape("weight (one per class)", weight, classes);
        return weight.contiguous(arena);
    }

    /** For {@link Reduction#NONE}, the upstream gradient of each loss; null otherwise (one value for all). */
    private static Tensor perLoss(Tensor gradLoss, long[] shape, Reduction reduction, Arena arena) {
        return reduction == Reduction.NONE ? Losses.upstream(gradLoss, shape, reduction, arena) : null;
    }
}
