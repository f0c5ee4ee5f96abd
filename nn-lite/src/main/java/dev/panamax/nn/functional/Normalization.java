package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.norm.BatchNorm;
import dev.panamax.kernels.norm.GroupNorm;
import dev.panamax.kernels.norm.LayerNorm;
import dev.panamax.kernels.norm.LocalResponseNorm;
import dev.panamax.nn.distributed.Communicator;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Batch, layer and group normalisation, as {@code torch.nn.functional}. Forward returns the
 * output with the statistics it used ({@link Saved}); backward takes them back, so nothing is
 * recomputed. Weight and bias may be null (no affine transform).
 */
public final class Normalization {

    private Normalization() {
    }

    /**
     * A normalisation's output and the statistics backward needs.
     *
     * @param y    the normalised output, shape of x
     * @param mean the mean per normalised group
     * @param rstd {@code 1/sqrt(var + eps)} per normalised group
     */
    public record Saved(Tensor y, Tensor mean, Tensor rstd) {

        /** {@code previous} when it holds these very tensors (a reusing arena's steady state), else a new record. */
        static Saved of(Tensor y, Tensor mean, Tensor rstd, Saved previous) {
            return previous != null && previous.y == y && previous.mean == mean && previous.rstd == rstd
                    ? previous : new Saved(y, mean, rstd);
        }
    }

    /**
     * Gradients of a normalisation.
     *
     * @param x      gradient of the input
     * @param weight gradient of the weight, or null when there is no weight
     * @param bias   gradient of the bias, or null when there is no bias
     */
    public record Grads(Tensor x, Tensor weight, Tensor bias) {

        /** {@code previous} when it holds these very tensors (a reusing arena's steady state), else a new record. */
        static Grads of(Tensor x, Tensor weight, Tensor bias, Grads previous) {
            return previous != null && previous.x == x && previous.weight == weight && previous.bias == bias
                    ? previous : new Grads(x, weight, bias);
        }
    }

    /**
     * {@code batch_norm} over {@code x [N, C, *]}. In training, batch statistics are used and
     * {@code runningMean}/{@code runningVar} (when not null) are updated in place with
     * {@code momentum}; in eval the running statistics are used.
     */
    public static Saved batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                  boolean training, float momentum, float eps, Arena arena) {
        return batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps, null, arena);
    }

    /**
     * {@link #batchNorm(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, float, float, Arena)},
     * returning {@code previous} again when it holds this call's tensors, as it does in a
     * steady-state step of a {@link dev.panamax.nn.tensor.StepArena#reusingTensors()} arena (so
     * that such a step allocates nothing).
     */
    public static Saved batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                  boolean training, float momentum, float eps, Saved previous, Arena arena) {
        checkNcs(x);
        long c = x.size(1);
        checkBatchNormParameters(c, weight, bias, runningMean, runningVar);
        Tensor xd = x.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor b = Layouts.dense(bias, arena);
        Tensor y = Tensor.emptyLike(arena, x);
        Tensor mean = Tensor.zeros(arena, c);
        Tensor rstd = Tensor.zeros(arena, c);
        BatchNorm.forward(training, x.size(0), c, spatial(x), xd.segment(), xd.offset(), seg(w), off(w), seg(b), off(b),
                seg(runningMean), off(runningMean), seg(runningVar), off(runningVar), momentum, eps,
                y.segment(), 0, mean.segment(), rstd.segment(), 0);
        return Saved.of(y, mean, rstd, previous);
    }

    /** The gradients of {@link #batchNorm}, from its input and saved statistics. */
    public static Grads batchNormBackward(Tensor x, Tensor weight, boolean hasBias, Saved saved, Tensor gy,
                                          boolean training, Arena arena) {
        return batchNormBackward(x, weight, hasBias, saved, gy, training, null, arena);
    }

    /**
     * {@link #batchNormBackward(Tensor, Tensor, boolean, Saved, Tensor, boolean, Arena)}, returning
     * {@code previous} again when it holds this call's gradients (see {@link #batchNorm(Tensor,
     * Tensor, Tensor, Tensor, Tensor, boolean, float, float, Saved, Arena)}).
     */
    public static Grads batchNormBackward(Tensor x, Tensor weight, boolean hasBias, Saved saved, Tensor gy,
                                          boolean training, Grads previous, Arena arena) {
        checkNcs(x);
        long c = x.size(1);
        Layouts.requireSameShape("gy", gy, x);
        checkVector("weight", weight, c);
        Tensor xd = x.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor gx = Tensor.zerosLike(arena, x);
        Tensor gw = Tensor.zeros(arena, c);
        Tensor gb = Tensor.zeros(arena, c);
        BatchNorm.backward(training, x.size(0), c, spatial(x), xd.segment(), xd.offset(), seg(w), off(w),
                saved.mean().segment(), saved.rstd().segment(), 0, g.segment(), g.offset(), gx.segment(), 0,
                gw.segment(), gb.segment(), 0);
        return Grads.of(gx, weight == null ? null : gw, hasBias ? gb : null, previous);
    }

    /**
     * Training-mode {@link #batchNorm} over the batch of every rank of {@code comm} together, as
     * PyTorch's {@code SyncBatchNorm}: the mean and variance of each channel are those of all
     * ranks' {@code x} (two all-reduces: the sums, then the squared deviations from the common
     * mean, the same two-pass statistics as one process computes), so P ranks with batches of b
     * normalise exactly as one process with the concatenated batch of P b. Running statistics move
     * with them (equal on every rank).
     */
    public static Saved syncBatchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                      float momentum, float eps, Communicator comm, Arena arena) {
        checkNcs(x);
        int c = Math.toIntExact(x.size(1));
        checkBatchNormParameters(c, weight, bias, runningMean, runningVar);
        Tensor xd = x.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor b = Layouts.dense(bias, arena);
        double[] sums = new double[c];
        BatchNorm.sums(x.size(0), c, spatial(x), xd.segment(), xd.offset(), sums);
        double[] packed = Arrays.copyOf(sums, c + 1);
        packed[c] = (double) x.size(0) * spatial(x);
        comm.allReduceSum(packed);
        double m = packed[c];
        if (m < 2) {
            throw new IllegalArgumentException("training needs more than 1 value per channel over all ranks, got " + m);
        }
        float[] mean = new float[c];
        for (int k = 0; k < c; k++) {
            mean[k] = (float) (packed[k] / m);
        }
        double[] var = new double[c];
        BatchNorm.squaredDeviations(x.size(0), c, spatial(x), xd.segment(), xd.offset(), mean, var);
        comm.allReduceSum(var);
        for (int k = 0; k < c; k++) {
            var[k] /= m;
        }
        Tensor y = Tensor.emptyLike(arena, x);
        Tensor savedMean = Tensor.zeros(arena, c);
        Tensor rstd = Tensor.zeros(arena, c);
        BatchNorm.forwardWithStatistics(x.size(0), c, spatial(x), xd.segment(), xd.offset(), seg(w), off(w), seg(b), off(b), mean,
                var, m, seg(runningMean), off(runningMean), seg(runningVar), off(runningVar), momentum, eps, y.segment(), 0,
                savedMean.segment(), rstd.segment(), 0);
        return new Saved(y, savedMean, rstd);
    }

    /**
     * The gradients of {@link #syncBatchNorm}: the input gradient from the sums of {@code gy} and
     * {@code gy x} over every rank (one all-reduce), the weight and bias gradients from this rank's
     * own sums (data-parallel training then averages them over the ranks, as every parameter's).
     */
    public static Grads syncBatchNormBackward(Tensor x, Tensor weight, boolean hasBias, Saved saved, Tensor gy,
                                              Communicator comm, Arena arena) {
        checkNcs(x);
        int c = Math.toIntExact(x.size(1));
        Layouts.requireSameShape("gy", gy, x);
        checkVector("weight", weight, c);
        Tensor xd = x.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        double[] sumGy = new double[c];
        double[] sumGyX = new double[c];
        BatchNorm.gradientSums(x.size(0), c, spatial(x), xd.segment(), xd.offset(), g.segment(), g.offset(), sumGy, sumGyX);
        Tensor gw = Tensor.zeros(arena, c);
        Tensor gb = Tensor.zeros(arena, c);
        BatchNorm.parameterGradients(c, saved.mean().segment(), saved.rstd().segment(), 0, sumGy, sumGyX, gw.segment(),
                gb.segment(), 0);
        double[] packed = new double[2 * c + 1];
        System.arraycopy(sumGy, 0, packed, 0, c);
        System.arraycopy(sumGyX, 0, packed, c, c);
        packed[2 * c] = (double) x.size(0) * spatial(x);
        comm.allReduceSum(packed);
        Tensor gx = Tensor.zerosLike(arena, x);
        BatchNorm.inputGradient(x.size(0), c, spatial(x), xd.segment(), xd.offset(), seg(w), off(w), saved.mean().segment(),
                saved.rstd().segment(), 0, g.segment(), g.offset(), Arrays.copyOfRange(packed, 0, c),
                Arrays.copyOfRange(packed, c, 2 * c), packed[2 * c], gx.segment(), 0);
        return new Grads(gx, weight == null ? null : gw, hasBias ? gb : null);
    }

    /** {@code layer_norm(x, normalizedShape, weight, bias, eps)} over the trailing dimensions. */
    public static Saved layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, float eps, Arena arena) {
        return layerNorm(x, normalizedShape, weight, bias, eps, null, arena);
    }

    /**
     * {@link #layerNorm(Tensor, long[], Tensor, Tensor, float, Arena)}, returning {@code previous}
     * again when it holds this call's tensors, as it does in a steady-state step of a
     * {@link dev.panamax.nn.tensor.StepArena#reusingTensors()} arena (so that such a step
     * allocates nothing).
     */
    public static Saved layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, float eps, Saved previous,
                                  Arena arena) {
        long d = checkTrailing(x, normalizedShape);
        checkShapeOf("weight", weight, normalizedShape);
        checkShapeOf("bias", bias, normalizedShape);
        long rows = x.numel() / Math.max(1, d);
        Tensor xd = x.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor b = Layouts.dense(bias, arena);
        Tensor y = Tensor.emptyLike(arena, x);
        Tensor mean = Tensor.zeros(arena, rows);
        Tensor rstd = Tensor.zeros(arena, rows);
        LayerNorm.forward(rows, d, xd.segment(), xd.offset(), seg(w), off(w), seg(b), off(b), eps,
                y.segment(), 0, mean.segment(), rstd.segment(), 0);
        return Saved.of(y, mean, rstd, previous);
    }

    /** The gradients of {@link #layerNorm}. */
    public static Grads layerNormBackward(Tensor x, long[] normalizedShape, Tensor weight, boolean hasBias, Saved saved,
                                          Tensor gy, Arena arena) {
        return layerNormBackward(x, normalizedShape, weight, hasBias, saved, gy, null, arena);
    }

    /**
     * {@link #layerNormBackward(Tensor, long[], Tensor, boolean, Saved, Tensor, Arena)}, returning
     * {@code previous} again when it holds this call's gradients (see {@link #layerNorm(Tensor,
     * long[], Tensor, Tensor, float, Saved, Arena)}).
     */
    public static Grads layerNormBackward(Tensor x, long[] normalizedShape, Tensor weight, boolean hasBias, Saved saved,
                                          Tensor gy, Grads previous, Arena arena) {
        long d = checkTrailing(x, normalizedShape);
        Layouts.requireSameShape("gy", gy, x);
        checkShapeOf("weight", weight, normalizedShape);
        long rows = x.numel() / Math.max(1, d);
        Tensor xd = x.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor gx = Tensor.zerosLike(arena, x);
        Tensor gw = Tensor.zeros(arena, normalizedShape);
        Tensor gb = Tensor.zeros(arena, normalizedShape);
        LayerNorm.backward(rows, d, xd.segment(), xd.offset(), seg(w), off(w), saved.mean().segment(),
                saved.rstd().segment(), 0, g.segment(), g.offset(), gx.segment(), 0, gw.segment(), gb.segment(), 0);
        return Grads.of(gx, weight == null ? null : gw, hasBias ? gb : null, previous);
    }

    /** {@code group_norm(x [N, C, *], numGroups, weight, bias, eps)}. */
    public static Saved groupNorm(Tensor x, long numGroups, Tensor weight, Tensor bias, float eps, Arena arena) {
        checkNcs(x);
        checkVector("weight", weight, x.size(1));
        checkVector("bias", bias, x.size(1));
        Tensor xd = x.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor b = Layouts.dense(bias, arena);
        Tensor y = Tensor.emptyLike(arena, x);
        Tensor mean = Tensor.zeros(arena, x.size(0), numGroups);
        Tensor rstd = Tensor.zeros(arena, x.size(0), numGroups);
        GroupNorm.forward(x.size(0), x.size(1), spatial(x), numGroups, xd.segment(), xd.offset(), seg(w), off(w), seg(b), off(b),
                eps, y.segment(), 0, mean.segment(), rstd.segment(), 0);
        return new Saved(y, mean, rstd);
    }

    /** The gradients of {@link #groupNorm}. */
    public static Grads groupNormBackward(Tensor x, long numGroups, Tensor weight, boolean hasBias, Saved saved,
                                          Tensor gy, Arena arena) {
        checkNcs(x);
        Layouts.requireSameShape("gy", gy, x);
        checkVector("weight", weight, x.size(1));
        Tensor xd = x.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor w = Layouts.dense(weight, arena);
        Tensor gx = Tensor.zerosLike(arena, x);
        Tensor gw = Tensor.zeros(arena, x.size(1));
        Tensor gb = Tensor.zeros(arena, x.size(1));
        GroupNorm.backward(x.size(0), x.size(1), spatial(x), numGroups, xd.segment(), xd.offset(), seg(w), off(w),
                saved.mean().segment(), saved.rstd().segment(), 0, g.segment(), g.offset(), gx.segment(), 0,
                gw.segment(), gb.segment(), 0);
        return new Grads(gx, weight == null ? null : gw, hasBias ? gb : null);
    }

    /** The per-channel tensors of a batch norm: {@code [C]} each (or null), running statistics updatable in place. */
    private static void checkBatchNormParameters(long c, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar) {
        checkVector("weight", weight, c);
        checkVector("bias", bias, c);
        checkVector("running_mean", runningMean, c);
        checkVector("running_var", runningVar, c);
        requireDenseInPlace("running_mean", runningMean);
        requireDenseInPlace("running_var", runningVar);
    }

    /** Fails unless x is float32 {@code [N, C, *]}. */
    private static void checkNcs(Tensor x) {
        Layouts.requireType("x", x, DType.FLOAT32);
        if (x.rank() < 2) {
            throw new IllegalArgumentException("x must have shape [N, C, *], got " + Arrays.toString(x.shape()));
        }
    }

    /** S of {@code [N, C, *]}: the product of the dimensions after C (no shape array: a step allocates nothing). */
    private static long spatial(Tensor x) {
        long s = 1;
        for (int d = 2; d < x.rank(); d++) {
            s *= x.size(d);
        }
        return s;
    }

    private static long checkTrailing(Tensor x, long[] normalizedShape) {
        Layouts.requireType("x", x, DType.FLOAT32);
        int k = normalizedShape.length;
        if (k == 0 || !x.hasTrailingShape(normalizedShape)) {
            throw new IllegalArgumentException("normalized_shape " + Arrays.toString(normalizedShape)
                    + " must equal the trailing dimensions of x, whose shape is " + Arrays.toString(x.shape()));
        }
        return Layouts.product(normalizedShape, 0, k);
    }

    private static void checkVector(String name, Tensor t, long c) {
        if (t != null) {
            Layouts.requireShape(name, t, c);
            Layouts.requireType(name, t, DType.FLOAT32);
        }
    }

    private static void checkShapeOf(String name, Tensor t, long[] shape) {
        if (t != null) {
            Layouts.requireShape(name, t, shape);
        }
    }

    private static void requireDenseInPlace(String name, Tensor t) {
        if (t != null && !t.isContiguous()) {
            throw new IllegalArgumentException(name + " is updated in place and must be contiguous");
        }
    }

    private static MemorySegment seg(Tensor t) {
        return t == null ? null : t.segment();
    }

    private static long off(Tensor t) {
        return t == null ? 0 : t.offset();
    }

    /**
     * {@code local_response_norm(x, size, alpha, beta, k)}: {@code x [N, C, *]} (at least three
     * dimensions) divided by {@code (k + alpha / size * sum of x^2 over size neighbouring channels)^beta}
     * (PyTorch's defaults: alpha 1e-4, beta 0.75, k 1).
     */
    public static Tensor localResponseNorm(Tensor x, int size, float alpha, float beta, float k, Arena arena) {
        long[] ncm = lrnShape(x);
        Tensor in = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.shape());
        LocalResponseNorm.forward(ncm[0], ncm[1], ncm[2], in.segment(), in.offset(), size, alpha, beta,
                k, y.segment(), y.offset());
        return y;
    }

    /** The gradient of {@link #localResponseNorm} with respect to its input. */
    public static Tensor localResponseNormBackward(Tensor x, Tensor gy, int size, float alpha, float beta, float k,
                                                   Arena arena) {
        long[] ncm = lrnShape(x);
        Layouts.requireType("gy", gy, DType.FLOAT32);
        Layouts.requireSameShape("gy", gy, x);
        Tensor in = x.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor work = Tensor.empty(arena, ncm[1], ncm[2]);
        Tensor gx = Tensor.empty(arena, x.shape());
        LocalResponseNorm.backward(ncm[0], ncm[1], ncm[2], in.segment(), in.offset(), g.segment(),
                g.offset(), size, alpha, beta, k, work.segment(), work.offset(), gx.segment(), gx.offset());
        return gx;
    }

    /** {@code [N, C, positions]} of an input {@code [N, C, *]}. */
    private static long[] lrnShape(Tensor x) {
        Layouts.requireType("input", x, DType.FLOAT32);
        if (x.rank() < 3) {
            throw new IllegalArgumentException("local_response_norm takes an input [N, C, *] of 3 or more dimensions, got "
                    + Arrays.toString(x.shape()));
        }
        return new long[] {x.size(0), x.size(1), x.numel() == 0 ? 0 : x.numel() / (x.size(0) * x.size(1))};
    }
}
