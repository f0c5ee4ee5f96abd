package dev.panamax.kernels.activation;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * {@code gx = gy * f'(x)} elementwise, for every {@link Activation}. The derivative is
 * recomputed from the forward input {@code x}, so a layer keeps only its input for backward.
 * One loop per function, for the reason given in {@link ActivationForward}.
 */
public final class ActivationBackward {

    private ActivationBackward() {
    }

    /**
     * Computes the input gradient of {@code f} for {@code n} elements.
     *
     * @param x  the forward input
     * @param gy the gradient of the output
     * @param gx the gradient of the input (written; may alias {@code gy} with the same layout)
     */
    public static void apply(Activation f, MemorySegment x, long xOff, long xStride,
                             MemorySegment gy, long gyOff, long gyStride,
                             MemorySegment gx, long gxOff, long gxStride, long n) {
        Checks.floats("x", x, xOff, n, xStride);
        Checks.floats("gy", gy, gyOff, n, gyStride);
        Checks.floats("gx", gx, gxOff, n, gxStride);
        if (xStride == 1 && gyStride == 1 && gxStride == 1) {
            if (WorkerPool.serial(n, ActivationForward.PARALLEL_GRAIN, x, gy, gx)) {
                contiguous(f, x, xOff, gy, gyOff, gx, gxOff, n);
            } else {
                Ranges job = RANGES.claim();
                job.f = f;
                job.x = x;
                job.xOff = xOff;
                job.gy = gy;
                job.gyOff = gyOff;
                job.gx = gx;
                job.gxOff = gxOff;
                WorkerPool.forRange(n, ActivationForward.PARALLEL_GRAIN, LANES, job);
            }
            return;
        }
        MemorySegment xs = StridedChunks.scratch(0);
        MemorySegment gs = StridedChunks.scratch(1);
        for (long i = 0; i < n; i += StridedChunks.CHUNK) {
            int count = (int) Math.min(StridedChunks.CHUNK, n - i);
            StridedChunks.gather(x, xOff + i * xStride, xStride, count, xs);
            StridedChunks.gather(gy, gyOff + i * gyStride, gyStride, count, gs);
            contiguous(f, xs, 0, gs, 0, gs, 0, count);
            StridedChunks.scatter(gs, count, gx, gxOff + i * gxStride, gxStride);
        }
    }

    private static final WorkerPool.PerThread<Ranges> RANGES = new WorkerPool.PerThread<>(Ranges::new);

    /** A parallel call's arguments (see {@link WorkerPool.Job}). */
    private static final class Ranges extends WorkerPool.RangeJob {
        Activation f;
        MemorySegment x;
        long xOff;
        MemorySegment gy;
        long gyOff;
        MemorySegment gx;
        long gxOff;

        @Override
        public void run(long from, long to) {
            contiguous(f, x, xOff + from, gy, gyOff + from, gx, gxOff + from, to - from);
        }

        @Override
        protected void clear() {
            f = null;
            x = gy = gx = null;
        }
    }

    private static void contiguous(Activation f, MemorySegment x, long xo, MemorySegment gy, long go,
                                   MemorySegment gx, long gxo, long n) {
        float a = f.a();
        float b = f.b();
        switch (f.kind()) {
            case RELU -> relu(x, xo, gy, go, gx, gxo, n, a, b);
            case RELU6 -> relu6(x, xo, gy, go, gx, gxo, n, a, b);
            case LEAKY_RELU -> leakyRelu(x, xo, gy, go, gx, gxo, n, a, b);
            case ELU -> elu(x, xo, gy, go, gx, gxo, n, a, b);
            case SELU -> selu(x, xo, gy, go, gx, gxo, n, a, b);
            case SILU -> silu(x, xo, gy, go, gx, gxo, n, a, b);
            case GELU -> gelu(x, xo, gy, go, gx, gxo, n, a, b);
            case GELU_TANH -> geluTanh(x, xo, gy, go, gx, gxo, n, a, b);
            case TANH -> tanh(x, xo, gy, go, gx, gxo, n, a, b);
            case SIGMOID -> sigmoid(x, xo, gy, go, gx, gxo, n, a, b);
            case SOFTPLUS -> softplus(x, xo, gy, go, gx, gxo, n, a, b);
            case MISH -> mish(x, xo, gy, go, gx, gxo, n, a, b);
            case HARDSWISH -> hardswish(x, xo, gy, go, gx, gxo, n, a, b);
            case HARDSIGMOID -> hardsigmoid(x, xo, gy, go, gx, gxo, n, a, b);
            case HARDTANH -> hardtanh(x, xo, gy, go, gx, gxo, n, a, b);
            case CELU -> celu(x, xo, gy, go, gx, gxo, n, a, b);
            case LOGSIGMOID -> logsigmoid(x, xo, gy, go, gx, gxo, n, a, b);
            case SOFTSIGN -> softsign(x, xo, gy, go, gx, gxo, n, a, b);
            case TANHSHRINK -> tanhshrink(x, xo, gy, go, gx, gxo, n, a, b);
            case SOFTSHRINK, HARDSHRINK -> shrink(x, xo, gy, go, gx, gxo, n, a, b);
            case THRESHOLD -> threshold(x, xo, gy, go, gx, gxo, n, a, b);
        }
    }

    private static void relu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.reluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            relu(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void relu6(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.relu6Derivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            relu6(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void leakyRelu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.leakyReluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            leakyRelu(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void elu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.eluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            elu(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void selu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.seluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            selu(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void silu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.siluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            silu(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    /**
     * GELU's derivative in two loops over chunks of the row (see
     * {@link ActivationFormulas#geluDerivativeDensityTerm}): the first writes {@code x phi(x)} into
     * the thread's third scratch chunk, the second adds {@code Phi(x)} and multiplies by gy.
     */
    private static void gelu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                             long n, float a, float b) {
        MemorySegment density = StridedChunks.scratch(2);
        for (long start = 0; start < n; start += StridedChunks.CHUNK) {
            long count = Math.min(StridedChunks.CHUNK, n - start);
            geluDensity(x, xo + start, density, count);
            geluCombine(x, xo + start, density, gy, go + start, gx, gxo + start, count);
        }
    }

    private static void geluDensity(MemorySegment x, long xo, MemorySegment density, long n) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            ActivationFormulas.geluDerivativeDensityTerm(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER)).intoMemorySegment(density, i * Float.BYTES, ORDER);
        }
        if (i < n) {                                  // the tail by a second call, as StridedChunks.tail explains
            MemorySegment t = StridedChunks.tail();
            MemorySegment r = StridedChunks.tailResult();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            geluDensity(t, 0, r, LANES);
            MemorySegment.copy(r, 0, density, i * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void geluCombine(MemorySegment x, long xo, MemorySegment density, MemorySegment gy, long go,
                                    MemorySegment gx, long gxo, long n) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.geluDerivativeCdfTerm(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER)).add(FloatVector.fromMemorySegment(SPECIES, density, i * Float.BYTES, ORDER));
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {                                  // the tail by a second call, as StridedChunks.tail explains
            MemorySegment t = StridedChunks.tail();
            MemorySegment r = StridedChunks.tailResult();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            StridedChunks.padTail(density, i, n - i, r, 0);
            geluCombine(t, 0, r, t, LANES, t, 2L * LANES, LANES);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void geluTanh(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.geluTanhDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            geluTanh(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void tanh(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.tanhDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            tanh(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void sigmoid(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.sigmoidDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            sigmoid(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void softplus(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.softplusDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            softplus(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    /**
     * Mish's derivative is the one formula too large for a single loop body with its loads,
     * multiply and store (C2 stops inlining and boxes the vectors), so it runs as two loops over
     * chunks: the derivative into the thread's third scratch chunk, then the product with gy.
     */
    private static void mish(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                             long n, float a, float b) {
        MemorySegment derivative = StridedChunks.scratch(2);
        for (long start = 0; start < n; start += StridedChunks.CHUNK) {
            long count = Math.min(StridedChunks.CHUNK, n - start);
            mishDerivative(x, xo + start, derivative, count);
            multiply(derivative, gy, go + start, gx, gxo + start, count);
        }
    }

    private static void mishDerivative(MemorySegment x, long xo, MemorySegment out, long n) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            ActivationFormulas.mishDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), 0f, 0f).intoMemorySegment(out, i * Float.BYTES, ORDER);
        }
        if (i < n) {                                  // the tail by a second call, as StridedChunks.tail explains
            MemorySegment t = StridedChunks.tail();
            MemorySegment r = StridedChunks.tailResult();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            mishDerivative(t, 0, r, LANES);
            MemorySegment.copy(r, 0, out, i * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    /** {@code gx = d * gy} with {@code d} a scratch chunk. */
    private static void multiply(MemorySegment d, MemorySegment gy, long go, MemorySegment gx, long gxo, long n) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, d, i * Float.BYTES, ORDER).mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector.fromMemorySegment(SPECIES, d, i * Float.BYTES, ORDER, m).mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER, m)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER, m);
        }
    }

    private static void hardswish(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.hardswishDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            hardswish(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void hardsigmoid(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.hardsigmoidDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            hardsigmoid(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void hardtanh(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.hardtanhDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            hardtanh(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void celu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.celuDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            celu(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void logsigmoid(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.logsigmoidDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            logsigmoid(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void softsign(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.softsignDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            softsign(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void tanhshrink(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.tanhshrinkDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            tanhshrink(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void shrink(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.shrinkDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            shrink(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }

    private static void threshold(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = ActivationFormulas.thresholdDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + i, n - i, t, 0);
            StridedChunks.padTail(gy, go + i, n - i, t, LANES);
            threshold(t, 0, t, LANES, t, 2L * LANES, LANES, a, b);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + i) * Float.BYTES, (n - i) * Float.BYTES);
        }
    }
}
