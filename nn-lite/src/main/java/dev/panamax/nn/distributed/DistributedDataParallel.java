package dev.panamax.nn.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.panamax.nn.layers.BatchNorm;
import dev.panamax.nn.layers.Block;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Data-parallel training of one model replicated in every process of a {@link Communicator}, as
 * PyTorch's {@code DistributedDataParallel}: each rank computes gradients on its own shard of
 * the batch, and the gradients are averaged over the ranks before the optimizer step, which is
 * then the same on every rank. With equal shards, that is the gradient of the whole batch, so
 * {@code P} processes with batches of {@code b} train as one process with batches of {@code P b}.
 *
 * <ul>
 * <li>At construction every rank receives rank 0's parameters and buffers (a broadcast).</li>
 * <li>Gradients are averaged in buckets filled in the reverse order of the parameters (the
 *     order backward completes them), each closed at {@linkplain Options#bucketBytes() a few MB}
 *     or at a quarter of the model's gradient if that is smaller (but not under 16 KB), so that a
 *     small model still has a bucket to reduce while backward goes on. When the model is a
 *     {@link Sequential}, a bucket's all-reduce starts as soon as the backward of the layers
 *     holding its parameters is done, and runs while the earlier layers are still in backward;
 *     for other models, all buckets start when backward ends.</li>
 * <li>Buffers (batch-norm running statistics) are kept equal by broadcasting rank 0's before
 *     each forward ({@code broadcast_buffers=True}, PyTorch's default); batch statistics
 *     themselves are each rank's own, as in PyTorch without {@code SyncBatchNorm}, unless
 *     {@link Options#syncBatchNorm()}.</li>
 * </ul>
 *
 * <p>A training step: {@link #beforeForward()}, forward, loss, {@link #beforeBackward()},
 * backward, {@link #synchronizeGradients()}, optimizer step ({@link dev.panamax.nn.train.Trainer}
 * does this when given one). Not thread-safe: one training thread per process.
 */
public final class DistributedDataParallel implements AutoCloseable {

    /**
     * @param bucketBytes      the largest size at which a bucket is closed (a parameter larger than
     *                         it has a bucket of its own)
     * @param broadcastBuffers broadcast rank 0's float buffers before each forward
     * @param syncBatchNorm    {@linkplain BatchNorm#synchronize synchronize} every batch norm of the
     *                         model: statistics over all ranks' batches, as PyTorch's
     *                         {@code SyncBatchNorm.convert_sync_batchnorm}
     */
    public record Options(long bucketBytes, boolean broadcastBuffers, boolean syncBatchNorm) {

        public Options {
            if (bucketBytes <= 0) {
                throw new IllegalArgumentException("bucketBytes must be > 0, got " + bucketBytes);
            }
        }

        /** Buckets of at most 4 MiB, buffers broadcast, batch norms local. */
        public static Options defaults() {
            return new Options(4L << 20, true, false);
        }

        public Options bucketBytes(long bytes) {
            return new Options(bytes, broadcastBuffers, syncBatchNorm);
        }

        public Options broadcastBuffers(boolean on) {
            return new Options(bucketBytes, on, syncBatchNorm);
        }

        public Options syncBatchNorm(boolean on) {
            return new Options(bucketBytes, broadcastBuffers, on);
        }
    }

    /**
     * Communication so far.
     *
     * @param steps         gradient synchronizations
     * @param reduceNanos   time the all-reduces took, start to completion, summed over buckets
     * @param exposedNanos  time the training thread waited for them in {@link #synchronizeGradients()}
     * @param bytesPerStep  gradient bytes reduced per step
     */
    public record Statistics(long steps, long reduceNanos, long exposedNanos, long bytesPerStep) {

        /** The share of the all-reduce time that backward hid: {@code 1 - exposed / reduce}. */
        public double hiddenFraction() {
            return reduceNanos == 0 ? 0 : Math.max(0, 1 - (double) exposedNanos / reduceNanos);
        }
    }

    /** Below this, the fixed cost of a collective (microseconds) outweighs what one more bucket overlaps. */
    private static final long MIN_BUCKET_BYTES = 16 << 10;

    private final Layer model;
    private final Communicator comm;
    private final Options options;
    private final Arena arena = Arena.ofShared();
    private final List<Parameter> params;
    private final List<GradientBucket> buckets = new ArrayList<>();
    private final int[] bucketOf;
    private final int[] slotOf;
    private final int[] owners;
    private final int[] pending;
    private final Map<Layer, int[]> leafParams = new IdentityHashMap<>();
    private final List<Tensor> floatBuffers;
    private final MemorySegment bufferFlat;
    private final long gradientBytes;
    private final long bufferFloats;
    private long steps;
    private long reduceNanos;
    private long exposedNanos;

    /** Replicates {@code model} over the ranks of {@code comm}: every rank gets rank 0's parameters and buffers. */
    public DistributedDataParallel(Layer model, Communicator comm, Options options) {
        this.model = model;
        this.comm = comm;
        this.options = options;
        this.params = model.parameters();
        int n = params.size();
        bucketOf = new int[n];
        slotOf = new int[n];
        owners = new int[n];
        pending = new int[n];
        buildBuckets();
        gradientBytes = buckets.stream().mapToLong(b -> b.floats).sum() * Float.BYTES;
        if (model instanceof Sequential s) {
            Map<Tensor, Integer> index = new IdentityHashMap<>();
            for (int i = 0; i < n; i++) {
                index.put(params.get(i).value(), i);
            }
            for (Layer leaf : s.leaves()) {
                int[] own = leaf.parameters().stream().map(p -> index.get(p.value()))
                        .filter(java.util.Objects::nonNull).mapToInt(Integer::intValue).toArray();
                leafParams.merge(leaf, own, (a, b) -> a);  // a layer listed twice holds the same parameters
            }
            for (var e : leafParams.entrySet()) {
                for (int i : e.getValue()) {
                    owners[i]++;
                }
            }
            s.onBackward(this::layerDone);
        }
        if (options.syncBatchNorm()) {
            synchronizeBatchNorms(model, comm);
        }
        floatBuffers = model.namedBuffers().values().stream().filter(t -> t.dtype() == DType.FLOAT32).toList();
        bufferFloats = floatBuffers.stream().mapToLong(Tensor::numel).sum();
        bufferFlat = arena.allocate(Math.max(1, bufferFloats) * Float.BYTES, 64);
        for (Parameter p : params) {
            comm.broadcast(p.value().segment(), p.value().offset(), p.numel(), 0);
        }
        broadcastBuffers();
    }

    private static void synchronizeBatchNorms(Block layer, Communicator comm) {
        if (layer instanceof BatchNorm bn) {
            bn.synchronize(comm);
        }
        layer.children().values().forEach(child -> synchronizeBatchNorms(child, comm));
    }

    /** The communicator. */
    public Communicator communicator() {
        return comm;
    }

    /** What communication has cost so far. */
    public Statistics statistics() {
        return new Statistics(steps, reduceNanos, exposedNanos, gradientBytes);
    }

    /** Before each forward: broadcasts rank 0's float buffers when {@link Options#broadcastBuffers()}. */
    public void beforeForward() {
        if (options.broadcastBuffers()) {
            broadcastBuffers();
        }
    }

    /** Before each backward: no bucket is ready yet. */
    public void beforeBackward() {
        System.arraycopy(owners, 0, pending, 0, owners.length);
        for (GradientBucket b : buckets) {
            b.ready = 0;
            b.reduction = null;
        }
    }

    /**
     * After backward: starts the buckets not started yet, waits for all, and leaves in every
     * gradient its mean over the ranks.
     */
    public void synchronizeGradients() {
        if (comm.size() == 1) {
            steps++;
            return;                                   // the mean over one rank is the gradient itself
        }
        long t0 = System.nanoTime();
        for (GradientBucket b : buckets) {
            if (b.reduction == null) {
                for (int i = 0; i < b.params.size(); i++) {
                    b.gather(i);                      // again for those already in: harmless, and only without hooks
                }
                launch(b);
            }
        }
        float scale = 1f / comm.size();
        for (GradientBucket b : buckets) {
            b.reduction.await();
            reduceNanos += b.reduction.nanos();
        }
        exposedNanos += System.nanoTime() - t0;
        for (GradientBucket b : buckets) {
            b.scatter(scale);
        }
        steps++;
    }

    private void layerDone(Layer leaf) {
        int[] own = leafParams.get(leaf);
        if (own == null || comm.size() == 1) {
            return;
        }
        for (int i : own) {
            if (--pending[i] == 0) {
                GradientBucket b = buckets.get(bucketOf[i]);
                b.gather(slotOf[i]);
                if (++b.ready == b.params.size()) {
                    launch(b);
                }
            }
        }
    }

    private void launch(GradientBucket b) {
        b.reduction = comm.allReduceSumAsync(b.flat, 0, b.floats);
    }

    /** The size at which a bucket closes: {@code bucketBytes}, or a quarter of the gradient (at least 16 KB). */
    static long bucketLimit(long gradientBytes, long bucketBytes) {
        return Math.min(bucketBytes, Math.max(MIN_BUCKET_BYTES, gradientBytes / 4));
    }

    /** Parameters in reverse order, a bucket closed once it reaches {@link #bucketLimit}. */
    private void buildBuckets() {
        long limit = bucketLimit(params.stream().mapToLong(Parameter::numel).sum() * Float.BYTES, options.bucketBytes());
        List<Parameter> current = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        long bytes = 0;
        for (int i = params.size() - 1; i >= 0; i--) {
            Parameter p = params.get(i);
            current.add(p);
            indices.add(i);
            bytes += p.numel() * Float.BYTES;
            if (bytes >= limit || i == 0) {
                for (int k = 0; k < indices.size(); k++) {
                    bucketOf[indices.get(k)] = buckets.size();
                    slotOf[indices.get(k)] = k;
                }
                buckets.add(new GradientBucket(current, arena));
                current = new ArrayList<>();
                indices = new ArrayList<>();
                bytes = 0;
            }
        }
    }

    /**
     * The gradient buckets, as lists of parameter names in the order they are reduced (for
     * reports and tests).
     */
    public List<List<String>> buckets() {
        return buckets.stream().map(b -> b.params.stream().map(Parameter::name).toList()).toList();
    }

    private void broadcastBuffers() {
        if (comm.size() == 1 || bufferFloats == 0) {
            return;
        }
        long at = 0;
        for (Tensor t : floatBuffers) {
            MemorySegment.copy(t.segment(), t.offset() * Float.BYTES, bufferFlat, at * Float.BYTES, t.numel() * Float.BYTES);
            at += t.numel();
        }
        comm.broadcast(bufferFlat, 0, bufferFloats, 0);
        at = 0;
        for (Tensor t : floatBuffers) {
            MemorySegment.copy(bufferFlat, at * Float.BYTES, t.segment(), t.offset() * Float.BYTES, t.numel() * Float.BYTES);
            at += t.numel();
        }
    }

    /** Removes the backward hook and frees the buckets; the communicator stays open. */
    @Override
    public void close() {
        if (model instanceof Sequential s) {
            s.onBackward(null);
        }
        if (options.syncBatchNorm()) {
            synchronizeBatchNorms(model, null);
        }
        arena.close();
    }
}
