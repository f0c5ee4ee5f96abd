package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.tensor.Tensor;

/**
 * The randomized leaky ReLU, as {@code torch.nn.RReLU(lower, upper)}: in training each non-positive
 * element is multiplied by its own slope drawn uniformly from {@code [lower, upper]} (positive ones
 * pass), and backward uses the same slopes; in evaluation the slope is fixed at
 * {@code (lower + upper) / 2}, a leaky ReLU. Slopes are seeded and reproducible, as
 * {@link Dropout}'s masks are: the k-th training forward of a layer with seed s draws the same
 * slopes on every run.
 */
public final class RReLU extends Layer {

    private final float lower;
    private final float upper;
    private final long seed;
    private long calls;
    /** The multipliers of the last training forward (1 for non-negative inputs); null after an evaluation one. */
    private Tensor noise;
    private Tensor x;

    /** lower 1/8, upper 1/3: PyTorch's defaults; seeded from {@link Init#generator()}. */
    public RReLU() {
        this(1f / 8, 1f / 3);
    }

    public RReLU(float lower, float upper) {
        this(lower, upper, Init.generator().nextLong());
    }

    /** @throws IllegalArgumentException unless {@code 0 <= lower <= upper}, both finite */
    public RReLU(float lower, float upper, long seed) {
        if (!(lower >= 0 && lower <= upper) || Float.isInfinite(upper)) {
            throw new IllegalArgumentException("RReLU needs finite 0 <= lower <= upper, got lower=" + lower + ", upper=" + upper);
        }
        this.lower = lower;
        this.upper = upper;
        this.seed = seed;
    }

    private Activation evaluationSlope() {
        return Activation.leakyRelu((lower + upper) / 2);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        this.x = x;
        if (!isTraining()) {
            noise = null;
            return Activations.forward(evaluationSlope(), x, arena);
        }
        Tensor xd = x.contiguous(arena);
        long n = xd.numel();
        Tensor slopes = Tensor.zerosLike(arena, x);
        MemorySegment s = slopes.segment();
        long base = Dropout.mix(seed + 0x9E3779B97F4A7C15L * ++calls);
        float width = upper - lower;
        for (long i = 0; i < n; i++) {
            float v = xd.segment().getAtIndex(ValueLayout.JAVA_FLOAT, xd.offset() + i);
            // one 64-bit hash per element: uniform in [0, 1) from 24 bits, as Dropout draws
            float a = v > 0 ? 1f : lower + width * ((Dropout.mix(base + i) >>> 40) * 0x1.0p-24f);   // 0 too, as PyTorch
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, a);
        }
        noise = slopes;
        Tensor y = Tensor.zerosLike(arena, x);
        Blas1.shad(n, xd.segment(), xd.offset(), s, 0, y.segment(), 0);
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor input = saved(x);
        if (noise == null) {
            return Activations.backward(evaluationSlope(), input, gy, arena);
        }
        Tensor g = gy.contiguous(arena);
        Tensor gx = Tensor.zerosLike(arena, gy);
        Blas1.shad(g.numel(), g.segment(), g.offset(), noise.segment(), 0, gx.segment(), 0);
        return gx;
    }

    /** How many slopes this layer has drawn (the position of its generator). */
    public long calls() {
        return calls;
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        return describe() + "(lower=" + lower + ", upper=" + upper + ")";
    }

    @Override
    public String family() {
        return "activation";
    }
}
