package dev.panamax.nn.inference;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.CpuCaches;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.layers.InferenceMode;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * Inference with a trained model: PyTorch's {@code model.eval()} and {@code torch.inference_mode()}
 * in one object, with memory reused from call to call.
 *
 * <p>Each {@link #predict} runs the model's forward in eval mode (dropout off, batch norm on its
 * running statistics) inside {@link InferenceMode} (layers skip what only backward reads) over a
 * {@link StepArena} of its own that is reset before the call: a steady state of same-shaped calls
 * touches no fresh off-heap memory, and no gradient work runs. There a {@code Sequential}'s
 * Conv2d, ReLU and 2 x 2 max or average pool in a row run as one kernel, and so do a Linear and
 * ReLU (the same values; see {@link dev.panamax.nn.layers.Sequential#forward}).
 * A result of {@link #predict(Tensor)} lives until the next call; {@link #predict(Tensor, Tensor)}
 * writes into a tensor the caller owns.
 *
 * <p>Large batches run in chunks of rows, the whole model over each chunk, when the model's
 * layers compute each sample from that sample alone ({@link Layer#samplesIndependent()}): a
 * layer-by-layer pass over 2048 LeNet-5 images writes 19 MB per layer, which the next layer
 * reads back from memory, where a chunk's activations stay in the caches. The chunk is a power
 * of two of at least {@value #MIN_CHUNK_ROWS} rows whose activations fit in four L2 caches per
 * worker thread, and never so small that the weights would be read more often than the
 * activations (measured once per input shape and thread count, by a one-row and a two-row
 * forward). A row's outputs may then differ in their last bits from those of the same row in an
 * unsplit batch (a chunk's products can take another kernel than the whole batch's, as a single
 * row takes the matrix-vector path); they are the same call after call.
 *
 * <p>Sharing: one model may serve any number of threads, each with its own predictor (a
 * predictor holds its arenas and is used by one thread at a time). Results are the same, bit for
 * bit, as one thread's calls in sequence, in a cold JVM as once compiled. The model must not be
 * trained, reloaded or switched to training mode while predictors use it; its layers keep
 * references to the last input of any thread (harmless in eval mode: nothing reads them back).
 */
public final class Predictor implements AutoCloseable {

    /** The smallest chunk: below it the GEMMs' register tiles run part-empty. */
    static final int MIN_CHUNK_ROWS = 32;
    /** Chunks hold at least this many times the weights' bytes in activations. */
    private static final int WEIGHT_REUSE = 4;

    private final Layer model;
    /** Rows per chunk the caller fixed, or 0. */
    private final long fixedChunkRows;
    /**
     * Reusing tensors: a predictor owns every tensor of its calls, and hands the result out on a
     * handle of its own. Whole calls and full chunks run here, a last, shorter chunk in
     * {@link #tail}, so that each arena sees the same requests call after call.
     */
    private final StepArena arena = StepArena.reusingTensors();
    private final StepArena tail = StepArena.reusingTensors();
    /** The result of a call run in chunks. */
    private final StepArena results = StepArena.reusingTensors();
    /** The shape of one sample (dimension 0 set to 1) and the thread count that {@link #chosenRows} was chosen for. */
    private long[] chunkedSample;
    private int chunkedThreads;
    private long chosenRows;
    /** A chunk's shape, refilled per chunk (the arenas copy it when they keep it). */
    private long[] chunkShape;

    /**
     * A predictor over {@code model}, which must be in eval mode ({@code model.eval()}), that
     * chooses its chunks of rows itself (see the class comment).
     */
    public Predictor(Layer model) {
        this(model, 0);
    }

    /**
     * A predictor over {@code model} (in eval mode) that runs at most {@code chunkRows} rows per
     * forward: 0 to let it choose, {@link Long#MAX_VALUE} for whole batches always. A fixed
     * chunk needs a model whose samples are independent ({@link Layer#samplesIndependent()}).
     */
    public Predictor(Layer model, long chunkRows) {
        if (model.isTraining()) {
            throw new IllegalStateException(model + " is in training mode: call eval() before predicting with it "
                    + "(dropout and batch statistics would make predictions random and race between threads)");
        }
        if (chunkRows < 0) {
            throw new IllegalArgumentException("chunkRows must be >= 0 (0: automatic), got " + chunkRows);
        }
        if (chunkRows > 0 && chunkRows < Long.MAX_VALUE && !model.samplesIndependent()) {
            throw new IllegalArgumentException("cannot split batches for " + model.getClass().getSimpleName()
                    + ": some of its layers do not compute each sample alone (Layer.samplesIndependent())");
        }
        this.model = model;
        this.fixedChunkRows = chunkRows;
    }

    /**
     * The model's output for {@code x}, valid until the next call on this predictor (using it
     * later fails).
     */
    public Tensor predict(Tensor x) {
        results.reset();
        long rows = chunkRows(x);
        if (rows >= x.size(0)) {
            return arena.handOut(forward(x, arena));
        }
        return results.handOut(inChunks(x, rows, null));
    }

    /**
     * The model's output for {@code x} copied into {@code out} (any strides, the output's shape);
     * returns {@code out}.
     */
    public Tensor predict(Tensor x, Tensor out) {
        long rows = chunkRows(x);
        if (rows >= x.size(0)) {
            Tensor y = forward(x, arena);
            requireShape(out, y, y.size(0));
            out.copyFrom(y);
            return out;
        }
        return inChunks(x, rows, out);
    }

    private Tensor forward(Tensor x, StepArena memory) {
        memory.reset();
        try (var scope = InferenceMode.enter()) {
            return model.forward(x, memory);
        }
    }

    /**
     * The model over {@code x} in chunks of {@code rows} rows, each output chunk copied into
     * {@code out}, or into a tensor of {@link #results} when {@code out} is null.
     */
    private Tensor inChunks(Tensor x, long rows, Tensor out) {
        long n = x.size(0);
        Tensor y = out;
        for (long start = 0; start < n; start += rows) {
            long count = Math.min(rows, n - start);
            StepArena memory = count == rows ? arena : tail;
            memory.reset();
            Tensor yc;
            try (var scope = InferenceMode.enter()) {
                yc = model.forward(rowsOf(x, start, count, memory), memory);
            }
            if (start == 0) {
                if (y == null) {
                    y = Tensor.empty(results, shapeWithRows(yc, n));
                } else {
                    requireShape(out, yc, n);
                }
            }
            copyRows(yc, 0, y, start, count);
        }
        return y;
    }

    /**
     * Rows {@code [start, start + count)} of {@code x}, copied into a tensor of {@code memory}:
     * the same tensor object call after call, where a view would be a new one per chunk.
     */
    private Tensor rowsOf(Tensor x, long start, long count, StepArena memory) {
        Tensor chunk = Tensor.empty(memory, shapeWithRows(x, count));
        copyRows(x, start, chunk, 0, count);
        return chunk;
    }

    /**
     * Rows {@code [from, from + count)} of {@code source} into rows {@code [to, to + count)} of
     * {@code target} (same shape past dimension 0): one bulk copy when both are contiguous, which
     * a chunk's tensors are (views would be new objects per chunk).
     */
    private static void copyRows(Tensor source, long from, Tensor target, long to, long count) {
        if (source.isContiguous() && target.isContiguous()) {
            long rowBytes = source.size(0) == 0 ? 0 : source.numel() / source.size(0) * source.dtype().bytes();
            MemorySegment.copy(source.segment(), source.offset() * source.dtype().bytes() + from * rowBytes,
                    target.segment(), target.offset() * target.dtype().bytes() + to * rowBytes, count * rowBytes);
        } else {
            target.slice(0, to, to + count).copyFrom(source.slice(0, from, from + count));
        }
    }

    /** {@code t}'s shape with {@code rows} in dimension 0, in {@link #chunkShape}. */
    private long[] shapeWithRows(Tensor t, long rows) {
        if (chunkShape == null || chunkShape.length != t.rank()) {
            chunkShape = new long[t.rank()];
        }
        chunkShape[0] = rows;
        for (int d = 1; d < chunkShape.length; d++) {
            chunkShape[d] = t.size(d);
        }
        return chunkShape;
    }

    private static void requireShape(Tensor out, Tensor y, long rows) {
        boolean ok = out.rank() == y.rank() && out.size(0) == rows;
        for (int d = 1; ok && d < y.rank(); d++) {
            ok = out.size(d) == y.size(d);
        }
        if (!ok) {
            long[] expected = y.shape();
            expected[0] = rows;
            throw new IllegalArgumentException("out must have the output's shape " + Arrays.toString(expected) + ", got "
                    + Arrays.toString(out.shape()));
        }
    }

    /**
     * The rows per chunk for inputs shaped like {@code x}: unbounded for a scalar, for models
     * whose samples are not independent and for short batches, the caller's when fixed, else
     * chosen once per sample shape and thread count from the bytes a row adds to a forward.
     */
    long chunkRows(Tensor x) {
        if (x.rank() < 1) {
            return Long.MAX_VALUE;
        }
        if (fixedChunkRows > 0) {
            return fixedChunkRows;
        }
        if (x.size(0) <= MIN_CHUNK_ROWS || x.dtype() != DType.FLOAT32) {
            return Long.MAX_VALUE;
        }
        int threads = WorkerPool.threads();
        if (threads != chunkedThreads || !sameSample(x)) {
            long[] sample = x.shape();
            sample[0] = 1;
            // asked once per shape: a container answers by walking its children
            chosenRows = model.samplesIndependent() ? chooseChunkRows(activationBytesPerRow(x), threads) : Long.MAX_VALUE;
            chunkedSample = sample;
            chunkedThreads = threads;
        }
        return chosenRows;
    }

    private boolean sameSample(Tensor x) {
        if (chunkedSample == null || chunkedSample.length != x.rank()) {
            return false;
        }
        for (int d = 1; d < chunkedSample.length; d++) {
            if (chunkedSample[d] != x.size(d)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The bytes one more row of {@code x} adds to a forward's allocations: a two-row forward's
     * less a one-row forward's, so that what does not grow with the batch (a convolution's
     * workspace for one image's columns) does not count.
     */
    private long activationBytesPerRow(Tensor x) {
        long[] bytes = new long[2];
        for (int rows = 1; rows <= 2; rows++) {
            tail.reset();
            try (var scope = InferenceMode.enter()) {
                model.forward(rowsOf(x, 0, Math.min(rows, x.size(0)), tail), tail);
            }
            bytes[rows - 1] = tail.bytesInUse();
        }
        return Math.max(1, bytes[1] - bytes[0]);
    }

    private long chooseChunkRows(long bytesPerRow, int threads) {
        long budget = 4 * CpuCaches.current().l2() * threads;
        long weightBytes = 0;
        for (Parameter p : model.parameters()) {
            weightBytes += p.value().numel() * p.value().dtype().bytes();
        }
        long rows = Math.max(MIN_CHUNK_ROWS, Math.max(budget, WEIGHT_REUSE * weightBytes) / bytesPerRow);
        return Long.highestOneBit(rows);
    }

    /** Frees the predictor's memory; a result it returned is invalid afterwards. */
    @Override
    public void close() {
        arena.close();
        tail.close();
        results.close();
    }
}
