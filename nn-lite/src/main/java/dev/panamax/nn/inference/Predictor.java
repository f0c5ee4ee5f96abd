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
 * <p>With several worker threads ({@link WorkerPool#threads()}) and at least
 * {@value #MIN_PART_ROWS} rows per thread, or rows whose activations take
 * {@value #MIN_PART_BYTES} bytes per thread (LeNet-5 from 2 rows a thread), such a batch is
 * first cut into one part per thread,
 * each run by its thread alone, in chunks sized for one thread's L2, over arenas of its own; the
 * kernels inside a part run on that thread. Layer by layer, every layer of a forward would fork
 * and join the threads again, and at batch 64 those waits cost a LeNet-5 forward a fifth of
 * its time on two threads.
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
    /**
     * The fewest rows per thread for which a batch is cut into one part per thread whatever its
     * rows weigh. Zen 5, two threads, LeNet-5: at batch 32 the parts ran 4.25-4.29 us per image
     * against 5.37 layer by layer.
     */
    static final int MIN_PART_ROWS = 16;
    /**
     * Fewer rows per thread are cut into parts when they add this many bytes to a forward's
     * activations: the rows' work, not their count, must outweigh a fork and join per layer.
     * Zen 5, two threads, us per image, best of runs, layer by layer / in parts: LeNet-5 (about
     * 10 KB a row) at batch 4 8.2-12.3 / 6.2-7.0, batch 8 9.4-13.6 / 6.6-8.2, batch 16 5.7-5.8 /
     * 5.0, batch 2 (one row a thread) even; the MLP 30-64-64-2 (under 1 KB a row) lost in parts
     * below 16 rows a thread (batch 2 0.59-0.67 / 1.59-1.98, batch 16 0.21-0.24 / 0.42-0.53).
     */
    static final long MIN_PART_BYTES = 16 << 10;

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
    /** The rows per chunk of one thread's part, chosen with {@link #chosenRows}. */
    private long partRows;
    /** The bytes a row adds to a forward's activations, measured with {@link #chosenRows} (0 until then). */
    private long activationRowBytes;
    /** Whether the model's samples are independent, asked with {@link #chosenRows}. */
    private boolean independent;
    /** Whether worker threads may read the model's weights and buffers, asked with {@link #chosenRows}. */
    private boolean modelShareable;
    /** The output's shape for one row of the sample shape probed with {@link #chosenRows}. */
    private long[] outputSample;
    /** A chunk's shape, refilled per chunk (the arenas copy it when they keep it), and the result's. */
    private long[] chunkShape;
    private long[] resultShape;
    /** What each thread of a call cut into parts keeps from call to call: part {@code i} of {@link #parts}. */
    private Part[] partState = new Part[0];
    private final Parts parts = new Parts();
    private boolean closed;

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
     *
     * @param x a batch, its samples along dimension 0, which the predictor may split into chunks
     *          and parts; one sample without its batch dimension (PyTorch's unbatched input, which
     *          the layers take) goes in as {@code x.unsqueeze(0)}
     */
    public Tensor predict(Tensor x) {
        requireOpen();
        results.reset();
        int cut = partsFor(x, null);
        if (cut > 1) {
            return results.handOut(inParts(x, cut, null));
        }
        long rows = chunkRows(x);
        if (rows >= x.size(0)) {
            return arena.handOut(forward(x, arena));
        }
        return results.handOut(inChunks(x, rows, null));
    }

    /**
     * The model's output for {@code x} (a batch, as {@link #predict(Tensor)} takes it) copied into
     * {@code out} (any strides, the output's shape); returns {@code out}.
     */
    public Tensor predict(Tensor x, Tensor out) {
        requireOpen();
        int cut = partsFor(x, out);
        if (cut > 1) {
            return inParts(x, cut, out);
        }
        long rows = chunkRows(x);
        if (rows >= x.size(0)) {
            Tensor y = forward(x, arena);
            requireShape(out, resultShape(y, y.size(0)));
            out.copyFrom(y);
            return out;
        }
        return inChunks(x, rows, out);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Predictor is closed (its memory is freed): make a new one");
        }
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
                chunkShape = sized(chunkShape, x.rank());
                yc = model.forward(rowsOf(x, start, count, memory, chunkShape), memory);
            }
            if (start == 0) {
                if (y == null) {
                    y = Tensor.empty(results, resultShape(yc, n));
                } else {
                    requireShape(out, resultShape(yc, n));
                }
            }
            copyRows(yc, 0, y, start, count);
        }
        return y;
    }

    /**
     * {@code x} cut into {@code count} parts of whole rows, part {@code i} run by thread
     * {@code i} in chunks of {@link #partRows} over its own arenas ({@link Part}), each chunk's
     * output copied into {@code out}, or into a tensor of {@link #results} when {@code out} is
     * null; the output's shape comes from the probe that chose the chunks.
     */
    private Tensor inParts(Tensor x, int count, Tensor out) {
        resultShape = sized(resultShape, outputSample.length);
        System.arraycopy(outputSample, 0, resultShape, 0, outputSample.length);
        resultShape[0] = x.size(0);
        Tensor y = out;
        if (y == null) {
            y = Tensor.empty(results, resultShape);
        } else {
            requireShape(out, resultShape);
        }
        if (partState.length < count) {
            Part[] grown = Arrays.copyOf(partState, count);
            for (int i = partState.length; i < count; i++) {
                grown[i] = new Part();
            }
            partState = grown;
        }
        parts.x = x;
        parts.y = y;
        WorkerPool.run(count, parts);
        return y;
    }

    /** One thread's memory for its part of a call: its arenas as {@link #arena} and {@link #tail}, its chunk shape. */
    private static final class Part {
        final StepArena arena = StepArena.reusingTensors();
        final StepArena tail = StepArena.reusingTensors();
        long[] shape;

        void close() {
            arena.close();
            tail.close();
        }
    }

    /** The parallel call of {@link #inParts}: block {@code index} runs part {@code index}. */
    private final class Parts extends WorkerPool.Job {
        Tensor x;
        Tensor y;

        @Override
        public void run(int index, int count) {
            Part part = partState[index];
            long n = x.size(0);
            long end = n * (index + 1) / count;
            for (long start = n * index / count; start < end; start += partRows) {
                long rows = Math.min(partRows, end - start);
                StepArena memory = rows == partRows ? part.arena : part.tail;
                memory.reset();
                part.shape = sized(part.shape, x.rank());
                Tensor yc;
                try (var scope = InferenceMode.enter()) {
                    yc = model.forward(rowsOf(x, start, rows, memory, part.shape), memory);
                }
                copyRows(yc, 0, y, start, rows);
            }
        }

        @Override
        protected void clear() {
            x = null;
            y = null;
        }
    }

    /**
     * Rows {@code [start, start + count)} of {@code x}, copied into a tensor of {@code memory}:
     * the same tensor object call after call, where a view would be a new one per chunk.
     * {@code shape} is refilled with the chunk's shape (x's rank long).
     */
    private static Tensor rowsOf(Tensor x, long start, long count, StepArena memory, long[] shape) {
        Tensor chunk = Tensor.empty(memory, shapeWithRows(shape, x, count));
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

    /** {@code shape} when it has {@code rank} elements, else a new array that has. */
    private static long[] sized(long[] shape, int rank) {
        return shape != null && shape.length == rank ? shape : new long[rank];
    }

    /** {@code t}'s shape with {@code rows} in dimension 0, written into {@code shape} (t's rank long). */
    private static long[] shapeWithRows(long[] shape, Tensor t, long rows) {
        shape[0] = rows;
        for (int d = 1; d < shape.length; d++) {
            shape[d] = t.size(d);
        }
        return shape;
    }

    /** The whole result's shape, {@code y}'s with {@code rows} in dimension 0, in {@link #resultShape}. */
    private long[] resultShape(Tensor y, long rows) {
        resultShape = sized(resultShape, y.rank());
        return shapeWithRows(resultShape, y, rows);
    }

    private static void requireShape(Tensor out, long[] expected) {
        boolean ok = out.rank() == expected.length;
        for (int d = 0; ok && d < expected.length; d++) {
            ok = out.size(d) == expected[d];
        }
        if (!ok) {
            throw new IllegalArgumentException("out must have the output's shape " + Arrays.toString(expected)
                    + ", got " + Arrays.toString(out.shape()));
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
        probe(x);
        return chosenRows;
    }

    /**
     * The parts to cut {@code x} into, one per worker thread ({@link #inParts}), or 1: for
     * automatic chunks of a model whose samples are independent, with at least
     * {@value #MIN_PART_ROWS} rows per thread or rows of {@link #MIN_PART_BYTES} per thread, where
     * the workers may read x, write {@code out} (null: the predictor's own result) and read the
     * model's weights and buffers (none of them in a confined arena).
     */
    int partsFor(Tensor x, Tensor out) {
        int threads = WorkerPool.threads();
        if (threads == 1 || fixedChunkRows > 0 || x.rank() < 1 || x.dtype() != DType.FLOAT32
                || x.size(0) < threads
                || !WorkerPool.shareable(x.segment(), out == null ? null : out.segment())) {
            return 1;
        }
        probe(x);
        long rowsPerThread = x.size(0) / threads;
        boolean heavy = rowsPerThread >= MIN_PART_ROWS || rowsPerThread * activationRowBytes >= MIN_PART_BYTES;
        return independent && modelShareable && heavy ? threads : 1;
    }

    /**
     * Once per sample shape and thread count: whether the model's samples are independent (a
     * container answers by walking its children) and, if they are, the chunks for the whole
     * pool and for one thread's part, and the output's shape for one row.
     */
    private void probe(Tensor x) {
        int threads = WorkerPool.threads();
        if (threads == chunkedThreads && sameSample(x)) {
            return;
        }
        long[] sample = x.shape();
        sample[0] = 1;
        independent = model.samplesIndependent();
        modelShareable = model.parameters().stream().allMatch(p -> WorkerPool.shareable(p.value().segment()))
                && model.namedBuffers().values().stream().allMatch(b -> WorkerPool.shareable(b.segment()));
        if (independent) {
            activationRowBytes = activationBytesPerRow(x);
            chosenRows = chooseChunkRows(activationRowBytes, threads);
            partRows = chooseChunkRows(activationRowBytes, 1);
        } else {
            activationRowBytes = 0;
            chosenRows = Long.MAX_VALUE;
            partRows = Long.MAX_VALUE;
        }
        chunkedSample = sample;
        chunkedThreads = threads;
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
     * workspace for one image's columns) does not count. Keeps the one-row output's shape in
     * {@link #outputSample}.
     */
    private long activationBytesPerRow(Tensor x) {
        long[] bytes = new long[2];
        for (int rows = 1; rows <= 2; rows++) {
            tail.reset();
            Tensor y;
            try (var scope = InferenceMode.enter()) {
                y = model.forward(rowsOf(x, 0, Math.min(rows, x.size(0)), tail, new long[x.rank()]), tail);
            }
            if (rows == 1) {
                outputSample = y.shape();
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
        closed = true;
        arena.close();
        tail.close();
        results.close();
        for (Part part : partState) {
            part.close();
        }
    }
}
