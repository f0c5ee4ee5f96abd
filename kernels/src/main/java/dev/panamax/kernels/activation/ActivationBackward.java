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

    /**
     * Whole vectors through {@link #wholeVectors}, then a last partial vector through a second
     * call of it on zero-padded copies (see {@link StridedChunks#tail()} for why not in the loop).
     */
    private static void contiguous(Activation f, MemorySegment x, long xo, MemorySegment gy, long go,
                                   MemorySegment gx, long gxo, long n) {
        long whole = n - n % LANES;
        wholeVectors(f, x, xo, gy, go, gx, gxo, whole);
        if (whole < n) {
            MemorySegment t = StridedChunks.tail();
            StridedChunks.padTail(x, xo + whole, n - whole, t, 0);
            StridedChunks.padTail(gy, go + whole, n - whole, t, LANES);
            wholeVectors(f, t, 0, t, LANES, t, 2L * LANES, LANES);
            MemorySegment.copy(t, 2L * LANES * Float.BYTES, gx, (gxo + whole) * Float.BYTES, (n - whole) * Float.BYTES);
        }
    }

    /** {@code n}, a multiple of {@code LANES}, elements through {@code f}'s own loop. */
    private static void wholeVectors(Activation f, MemorySegment x, long xo, MemorySegment gy, long go,
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
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.reluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void relu6(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.relu6Derivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void leakyRelu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.leakyReluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void elu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.eluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void selu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.seluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void silu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.siluDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
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
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.geluDerivativeDensityTerm(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER)).intoMemorySegment(density, i * Float.BYTES, ORDER);
        }
    }

    private static void geluCombine(MemorySegment x, long xo, MemorySegment density, MemorySegment gy, long go,
                                    MemorySegment gx, long gxo, long n) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.geluDerivativeCdfTerm(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER)).add(FloatVector.fromMemorySegment(SPECIES, density, i * Float.BYTES, ORDER));
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void geluTanh(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.geluTanhDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void tanh(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.tanhDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void sigmoid(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.sigmoidDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void softplus(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.softplusDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
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
        for (long i = 0; i < n; i += LANES) {
            ActivationFormulas.mishDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), 0f, 0f).intoMemorySegment(out, i * Float.BYTES, ORDER);
        }
    }

    /** {@code gx = d * gy} with {@code d} a scratch chunk. */
    private static void multiply(MemorySegment d, MemorySegment gy, long go, MemorySegment gx, long gxo, long n) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, d, i * Float.BYTES, ORDER).mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void hardswish(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.hardswishDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void hardsigmoid(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.hardsigmoidDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void hardtanh(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.hardtanhDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void celu(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.celuDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void logsigmoid(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.logsigmoidDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void softsign(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.softsignDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void tanhshrink(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.tanhshrinkDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void shrink(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.shrinkDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }

    private static void threshold(MemorySegment x, long xo, MemorySegment gy, long go, MemorySegment gx, long gxo,
                               long n, float a, float b) {
        for (long i = 0; i < n; i += LANES) {
            FloatVector d = ActivationFormulas.thresholdDerivative(FloatVector.fromMemorySegment(SPECIES, x, (xo + i) * Float.BYTES, ORDER), a, b);
            d.mul(FloatVector.fromMemorySegment(SPECIES, gy, (go + i) * Float.BYTES, ORDER)).intoMemorySegment(gx, (gxo + i) * Float.BYTES, ORDER);
        }
    }
}
