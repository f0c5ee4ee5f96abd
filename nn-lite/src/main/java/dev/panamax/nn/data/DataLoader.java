package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.random.RandomGenerator;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Mini-batches of a {@link Dataset} in off-heap tensors: {@code x [B, sampleShape...]} and the
 * targets ({@code [B]} int64 labels, or {@code [B, 1]} float32 values). The order is a seeded
 * shuffle per epoch (epoch e of seed s is the same permutation on every run, so a resumed run
 * sees the batches it would have seen), or the data order without shuffling.
 *
 * <p>Two sets of buffers are allocated once and reused: while the caller trains on one batch, a
 * background thread fills the next (copy, then the optional augmentation). A batch's tensors stay
 * valid until the iterator's next {@code next()}. The augmentation of a row is drawn from a
 * generator seeded by the seed, the epoch and the row's place in the epoch's order, so a row is
 * augmented the same way whatever the batch size or the shard it lands in.
 *
 * <p><b>Shards</b> (data-parallel training, {@link Options#shard}): every rank draws the same
 * permutation, cuts it into global batches of {@code batchSize × ranks} rows and takes its own
 * {@code batchSize} consecutive rows of each, so the ranks' batches are disjoint, together make
 * exactly the global batch one process would see, and every rank takes the same number of
 * steps. A last global batch that does not split evenly is cut to a multiple of the ranks (at
 * most {@code ranks - 1} rows of an epoch are left out).
 */
public final class DataLoader implements AutoCloseable {

    /** Changes a batch of samples in place (augmentation), with a generator seeded per batch. */
    @FunctionalInterface
    public interface BatchTransform {
        void apply(MemorySegment x, int rows, long[] sampleShape, RandomGenerator rnd);
    }

    /** One mini-batch: features, targets, and how many rows it holds. */
    public record Batch(Tensor x, Tensor y, int rows) {
    }

    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final BatchTransform transform;
    private final int rank;
    private final int ranks;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] xs = new MemorySegment[2];
    private final MemorySegment[] ys = new MemorySegment[2];
    private final ExecutorService filler;

    /**
     * How a loader batches: {@code new DataLoader(train, DataLoader.Options.batches(64).shuffled(7).transform(t))}.
     *
     * @param batchSize rows per batch (the last batch of an epoch may be smaller)
     * @param shuffle   whether each epoch visits the rows in a new order, drawn from {@code seed} and the epoch
     * @param transform applied to each batch by the background thread (augmentation), or null
     * @param rank      this process's shard, in {@code [0, ranks)}
     * @param ranks     the number of shards (1: all the data)
     */
    public record Options(int batchSize, boolean shuffle, long seed, BatchTransform transform, int rank, int ranks) {

        public Options {
            if (ranks < 1 || rank < 0 || rank >= ranks) {
                throw new IllegalArgumentException("shard rank must be in [0, ranks) with ranks >= 1, got rank " + rank
                        + " of " + ranks);
            }
        }

        /** Batches of {@code size} rows, in order, untransformed, unsharded. */
        public static Options batches(int size) {
            return new Options(size, false, 0, null, 0, 1);
        }

        /** Shuffled every epoch from {@code seed}. */
        public Options shuffled(long seed) {
            return new Options(batchSize, true, seed, transform, rank, ranks);
        }

        public Options transform(BatchTransform t) {
            return new Options(batchSize, shuffle, seed, t, rank, ranks);
        }

        /** Shard {@code rank} of {@code ranks}: this process's {@code batchSize} rows of each global batch. */
        public Options shard(int rank, int ranks) {
            return new Options(batchSize, shuffle, seed, transform, rank, ranks);
        }
    }

    /** A loader over {@code data} with {@code options}. */
    public DataLoader(Dataset data, Options options) {
        this(data, options.batchSize(), options.shuffle(), options.seed(), options.transform(), options.rank(),
                options.ranks());
    }

    /**
     * @param transform applied to each batch by the background thread, or null
     */
    public DataLoader(Dataset data, int batchSize, boolean shuffle, long seed, BatchTransform transform) {
        this(data, batchSize, shuffle, seed, transform, 0, 1);
    }

    private DataLoader(Dataset data, int batchSize, boolean shuffle, long seed, BatchTransform transform, int rank,
                       int ranks) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("the data set is empty");
        }
        if (data.size() < ranks) {
            throw new IllegalArgumentException("the data set has " + data.size() + " rows, fewer than the " + ranks
                    + " shards");
        }
        this.data = data;
        this.batchSize = Math.min(batchSize, data.size() / ranks);
        this.shuffle = shuffle;
        this.seed = seed;
        this.transform = transform;
        this.rank = rank;
        this.ranks = ranks;
        for (int k = 0; k < 2; k++) {
            xs[k] = arena.allocate((long) this.batchSize * data.sampleSize() * Float.BYTES, 64);
            ys[k] = arena.allocate((long) this.batchSize * Long.BYTES, 64);
        }
        filler = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "panamax-data-loader");
            t.setDaemon(true);
            return t;
        });
    }

    /** The data set. */
    public Dataset dataset() {
        return data;
    }

    /** Batches per epoch (the last one may be smaller); the same on every shard. */
    public int batchesPerEpoch() {
        long global = (long) batchSize * ranks;
        int full = (int) (data.size() / global);
        return full + (data.size() - full * global >= ranks ? 1 : 0);
    }

    /** The batches of epoch {@code epoch} (0-based), from batch {@code first} on. */
    public Iterator<Batch> epoch(int epoch, int first) {
        int[] order = order(epoch);
        return new Iterator<>() {
            private int next = first;
            private Future<Batch> pending = first < batchesPerEpoch() ? submit(order, epoch, first) : null;

            @Override
            public boolean hasNext() {
                return next < batchesPerEpoch();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Batch b;
                try {
                    b = pending.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while loading a batch", e);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("loading batch " + next + " failed: " + e.getCause(), e.getCause());
                }
                next++;
                pending = hasNext() ? submit(order, epoch, next) : null;
                return b;
            }
        };
    }

    /** All batches of epoch {@code epoch}. */
    public Iterator<Batch> epoch(int epoch) {
        return epoch(epoch, 0);
    }

    private int[] order(int epoch) {
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    private Future<Batch> submit(int[] order, int epoch, int batch) {
        return filler.submit(() -> fill(order, epoch, batch));
    }

    private Batch fill(int[] order, int epoch, int batch) {
        int slot = batch & 1;
        long globalStart = (long) batch * batchSize * ranks;
        int rows = (int) Math.min(batchSize, (data.size() - globalStart) / ranks);
        int start = (int) (globalStart + (long) rank * rows);
        int per = data.sampleSize();
        MemorySegment x = xs[slot];
        MemorySegment y = ys[slot];
        for (int r = 0; r < rows; r++) {
            int i = order[start + r];
            MemorySegment.copy(data.features(), i * per, x, ValueLayout.JAVA_FLOAT, (long) r * per * Float.BYTES, per);
            if (data.isClassification()) {
                y.setAtIndex(ValueLayout.JAVA_LONG, r, data.labels()[i]);
            } else {
                y.setAtIndex(ValueLayout.JAVA_FLOAT, r, data.values()[i]);
            }
        }
        if (transform != null) {
            long bytes = (long) per * Float.BYTES;
            for (int r = 0; r < rows; r++) {
                transform.apply(x.asSlice(r * bytes, bytes), 1, data.sampleShape(),
                        new SplittableRandom((seed * 31 + epoch) * 1_000_003L + start + r));
            }
        }
        long[] shape = new long[data.sampleShape().length + 1];
        shape[0] = rows;
        System.arraycopy(data.sampleShape(), 0, shape, 1, data.sampleShape().length);
        Tensor xt = Tensor.wrap(DType.FLOAT32, x, 0, shape, Tensor.rowMajorStrides(shape));
        Tensor yt = data.isClassification()
                ? Tensor.wrap(DType.INT64, y, 0, new long[] {rows}, new long[] {1})
                : Tensor.wrap(DType.FLOAT32, y, 0, new long[] {rows, 1}, new long[] {1, 1});
        return new Batch(xt, yt, rows);
    }

    @Override
    public void close() {
        filler.shutdownNow();
        try {
            filler.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        arena.close();
    }
}
