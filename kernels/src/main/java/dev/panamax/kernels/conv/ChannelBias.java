package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

/** Per-channel bias of NCHW data: one value added to each channel's plane, and its gradient. */
final class ChannelBias {

    private ChannelBias() {
    }

    /**
     * {@code y[n, o, :] += bias[o]} for {@code channels} planes of {@code plane} floats, {@code images} images:
     * whole vectors, then a plane's last floats one by one. (Masked vectors for the last floats
     * took the Vector API's slow bounds check at the end of y once per call: without them a
     * LeNet-5 training step ran 4.07-4.14 ms instead of 4.30-4.37, one thread, Zen 4.)
     */
    static void add(int images, int channels, long plane, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        long whole = plane - plane % LANES;
        for (int n = 0; n < images; n++) {
            for (int o = 0; o < channels; o++) {
                float b = FloatLanes.get(bias, bOff + o);
                long at = yOff + ((long) n * channels + o) * plane;
                for (long i = 0; i < whole; i += LANES) {
                    FloatVector.fromMemorySegment(SPECIES, y, (at + i) * Float.BYTES, ORDER).add(b)
                            .intoMemorySegment(y, (at + i) * Float.BYTES, ORDER);
                }
                for (long i = whole; i < plane; i++) {
                    FloatLanes.set(y, at + i, FloatLanes.get(y, at + i) + b);
                }
            }
        }
    }

    /**
     * Floats of dy per thread below which the bias gradient is summed on one thread: 16K floats
     * take a few microseconds, about what handing work to the pool costs.
     */
    private static final long PARALLEL_GRAIN = 1 << 14;

    /**
     * {@code db[o] = sum over images and the plane of dy[n, o, :]} (written), each image's plane
     * summed in float vectors and the planes in double. The images are split over up to
     * {@code threads} threads in contiguous parts, as the convolutions split them, so that each
     * thread reads the dy it has just written or read, still in its own cache: summed on one
     * thread, half of a LeNet-5 conv1's dy came from the other core's cache, and the sum took a
     * tenth of the calling thread's time in a two-thread training step. The parts' sums are added
     * in part order.
     */
    static void gradient(int threads, int images, int channels, long plane, MemorySegment dy, long dyOff, MemorySegment db,
                         long dbOff) {
        int parts = (int) Math.min(Math.min(threads, images), (long) images * channels * plane / PARALLEL_GRAIN);
        if (parts <= 1 || !WorkerPool.shareable(dy, db)) {
            for (int o = 0; o < channels; o++) {
                FloatLanes.set(db, dbOff + o, (float) planeSums(0, images, o, channels, plane, dy, dyOff));
            }
            return;
        }
        double[] partial = PARTIALS.atLeast(parts * channels);
        Sums job = SUMS.claim();
        job.partial = partial;
        job.images = images;
        job.channels = channels;
        job.plane = plane;
        job.dy = dy;
        job.dyOff = dyOff;
        WorkerPool.run(parts, job);
        for (int o = 0; o < channels; o++) {
            double sum = 0;
            for (int p = 0; p < parts; p++) {
                sum += partial[p * channels + o];
            }
            FloatLanes.set(db, dbOff + o, (float) sum);
        }
    }

    /** The sum of channel o's planes of images {@code [from, to)}. */
    private static double planeSums(int from, int to, int o, int channels, long plane, MemorySegment dy, long dyOff) {
        double sum = 0;
        for (int n = from; n < to; n++) {
            sum += Reductions.sum(plane, dy, dyOff + ((long) n * channels + o) * plane);
        }
        return sum;
    }

    private static final WorkerPool.PerThread<Sums> SUMS = new WorkerPool.PerThread<>(Sums::new);
    /** The calling thread's parts' sums, part p's channel o at {@code p channels + o}. */
    private static final PerThreadArray<double[]> PARTIALS = new PerThreadArray<>(double[]::new, a -> a.length, 32);

    /** A parallel bias gradient's arguments, and where its parts' sums go ({@link #PARTIALS}). */
    private static final class Sums extends WorkerPool.Job {
        int images;
        int channels;
        long plane;
        MemorySegment dy;
        long dyOff;
        double[] partial;

        @Override
        public void run(int index, int count) {
            int from = (int) ((long) images * index / count);
            int to = (int) ((long) images * (index + 1) / count);
            for (int o = 0; o < channels; o++) {
                partial[index * channels + o] = planeSums(from, to, o, channels, plane, dy, dyOff);
            }
        }

        @Override
        protected void clear() {
            dy = null;
            partial = null;
        }
    }
}
