package dev.panamax.kernels.activation;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

/**
 * {@code y = f(x)} elementwise, for every {@link Activation}.
 *
 * <p>Each function has its own small loop, chosen by one switch per call. A single loop with
 * the switch inside (or a lambda per function) reads better but does not survive a real
 * workload: once C2 has seen several functions at that one site, the loop body is too large to
 * inline, or megamorphic, and every vector is boxed (measured: 6 GB/s instead of 40 for relu).
 * One loop per function keeps every site monomorphic. The formulas themselves are written once,
 * in {@link ActivationFormulas}.
 *
 * <p>Strided data is gathered into a small per-thread scratch chunk, run through the same
 * contiguous loop and scattered back.
 */
public final class ActivationForward {

    /**
     * Elements per thread below which a call stays on one thread: 64K floats take 10-30 µs to
     * map, above the few microseconds of handing work to the pool. The parts are contiguous, as
     * the convolutions split their images, so each thread maps the outputs it has just written:
     * with 256K the ReLU after a LeNet-5 conv1 (301K floats) ran on one thread, read half its
     * input from the other core's cache, and took 97-113 µs against 54-72 split, in a two-thread
     * training step.
     */
    static final long PARALLEL_GRAIN = 1 << 16;

    private ActivationForward() {
    }

    /**
     * Applies {@code f} to {@code n} elements.
     *
     * @param f the activation
     * @param x input; element {@code i} at {@code xOff + i * xStride}
     * @param y output, element {@code i} at {@code yOff + i * yStride}; may be {@code x} itself
     *          (in place) when the layouts are equal
     * @param n element count
     */
    public static void apply(Activation f, MemorySegment x, long xOff, long xStride,
                             MemorySegment y, long yOff, long yStride, long n) {
        Checks.floats("x", x, xOff, n, xStride);
        Checks.floats("y", y, yOff, n, yStride);
        if (xStride == 1 && yStride == 1) {
            if (WorkerPool.serial(n, PARALLEL_GRAIN, x, y)) {
                contiguous(f, x, xOff, y, yOff, n);
            } else {
                Ranges job = RANGES.claim();
                job.f = f;
                job.x = x;
                job.xOff = xOff;
                job.y = y;
                job.yOff = yOff;
                WorkerPool.forRange(n, PARALLEL_GRAIN, LANES, job);
            }
            return;
        }
        MemorySegment scratch = StridedChunks.scratch(0);
        for (long i = 0; i < n; i += StridedChunks.CHUNK) {
            int count = (int) Math.min(StridedChunks.CHUNK, n - i);
            StridedChunks.gather(x, xOff + i * xStride, xStride, count, scratch);
            contiguous(f, scratch, 0, scratch, 0, count);
            StridedChunks.scatter(scratch, count, y, yOff + i * yStride, yStride);
        }
    }

    private static final WorkerPool.PerThread<Ranges> RANGES = new WorkerPool.PerThread<>(Ranges::new);

    /** A parallel call's arguments (see {@link WorkerPool.Job}). */
    private static final class Ranges extends WorkerPool.RangeJob {
        Activation f;
        MemorySegment x;
        long xOff;
        MemorySegment y;
        long yOff;

        @Override
        public void run(long from, long to) {
            contiguous(f, x, xOff + from, y, yOff + from, to - from);
        }

        @Override
        protected void clear() {
            f = null;
            x = y = null;
        }
    }

    /**
     * Whole vectors through {@link #wholeVectors}, then a last partial vector through a second
     * call of it on a zero-padded copy (see {@link StridedChunks#tail()} for why not in the loop).
     */
    private static void contiguous(Activation f, MemorySegment x, long xo, MemorySegment y, long yo, long n) {
        long whole = n - n % LANES;
        wholeVectors(f, x, xo, y, yo, whole);
        if (whole < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + whole, n - whole, t, 0);
            wholeVectors(f, t, 0, t, LANES, LANES);
            MemorySegment.copy(t, (long) LANES * Float.BYTES, y, (yo + whole) * Float.BYTES, (n - whole) * Float.BYTES);
        }
    }

    /** {@code n}, a multiple of {@code LANES}, elements through {@code f}'s own loop. */
    private static void wholeVectors(Activation f, MemorySegment x, long xo, MemorySegment y, long yo, long n) {
        float a = f.a();
        float b = f.b();
        switch (f.kind()) {
            case RELU -> relu(x, xo, y, yo, n, a, b);
            case RELU6 -> relu6(x, xo, y, yo, n, a, b);
            case LEAKY_RELU -> leakyRelu(x, xo, y, yo, n, a, b);
            case ELU -> elu(x, xo, y, yo, n, a, b);
            case SELU -> selu(x, xo, y, yo, n, a, b);
            case SILU -> silu(x, xo, y, yo, n, a, b);
            case GELU -> gelu(x, xo, y, yo, n, a, b);
            case GELU_TANH -> geluTanh(x, xo, y, yo, n, a, b);
            case TANH -> tanh(x, xo, y, yo, n, a, b);
            case SIGMOID -> sigmoid(x, xo, y, yo, n, a, b);
            case SOFTPLUS -> softplus(x, xo, y, yo, n, a, b);
            case MISH -> mish(x, xo, y, yo, n, a, b);
            case HARDSWISH -> hardswish(x, xo, y, yo, n, a, b);
            case HARDSIGMOID -> hardsigmoid(x, xo, y, yo, n, a, b);
            case HARDTANH -> hardtanh(x, xo, y, yo, n, a, b);
            case CELU -> celu(x, xo, y, yo, n, a, b);
            case LOGSIGMOID -> logsigmoid(x, xo, y, yo, n, a, b);
            case SOFTSIGN -> softsign(x, xo, y, yo, n, a, b);
            case TANHSHRINK -> tanhshrink(x, xo, y, yo, n, a, b);
            case SOFTSHRINK -> softshrink(x, xo, y, yo, n, a, b);
            case HARDSHRINK -> hardshrink(x, xo, y, yo, n, a, b);
            case THRESHOLD -> threshold(x, xo, y, yo, n, a, b);
        }
    }

    private static void relu(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.relu(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void relu6(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.relu6(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void leakyRelu(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.leakyRelu(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void elu(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.elu(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void selu(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.selu(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void silu(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.silu(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void gelu(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.gelu(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void geluTanh(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.geluTanh(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void tanh(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.tanh(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void sigmoid(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.sigmoid(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void softplus(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.softplus(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void mish(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.mish(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void hardswish(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.hardswish(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void hardsigmoid(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.hardsigmoid(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void hardtanh(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.hardtanh(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void celu(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.celu(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void logsigmoid(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.logsigmoid(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void softsign(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.softsign(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void tanhshrink(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.tanhshrink(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void softshrink(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.softshrink(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void hardshrink(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.hardshrink(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }

    private static void threshold(MemorySegment x, long xo, MemorySegment y, long yo, long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.threshold(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b).intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
        }
    }
}
