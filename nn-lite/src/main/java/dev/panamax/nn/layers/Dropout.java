package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.tensor.Tensor;

/**
 * Inverted dropout, as {@code torch.nn.Dropout(p)}: in training each element is zeroed with
 * probability {@code p} and the survivors are scaled by {@code 1/(1-p)}, so evaluation is the
 * identity; {@code p = 1} zeroes everything ({@code x * 0}, as PyTorch's). Masks are seeded and
 * reproducible: the k-th forward pass of a layer with seed s draws the same mask on every run (a
 * counter-based generator, so a checkpointed segment can replay it).
 */
public class Dropout extends Layer {

    private final float p;
    private final long seed;
    private long calls;
    private Tensor mask;

    /** Dropout with probability {@code p} and a seed from {@link Init#generator()}. */
    public Dropout(float p) {
        this(p, Init.generator().nextLong());
    }

    public Dropout(float p, long seed) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        }
        this.p = p;
        this.seed = seed;
    }

    /** How many masks this layer has drawn (the position of its generator). */
    public long calls() {
        return calls;
    }

    /** Moves the generator to position {@code calls} (to replay a mask). */
    public void seek(long calls) {
        this.calls = calls;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (!isTraining() || p == 0) {
            mask = null;
            return x;
        }
        long unit = elementsPerDecision(x);
        Tensor xd = x.contiguous(arena);
        long n = xd.numel();
        mask = Tensor.zerosLike(arena, x);
        float scale = 1f / (1f - p);          // infinite at p = 1, where no element survives to take it
        long base = mix(seed + 0x9E3779B97F4A7C15L * ++calls);
        // One 64-bit hash gives the keep decision of one element (or one unit of them): uniform
        // in [0, 1) from 24 bits.
        for (long u0 = 0; u0 < n; u0 += unit) {
            float u = (mix(base + u0 / unit) >>> 40) * 0x1.0p-24f;
            MemorySegment m = mask.segment();
            for (long i = u0; i < u0 + unit; i++) {
                m.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, u >= p ? scale : 0f);
            }
        }
        Tensor y = Tensor.zerosLike(arena, x);
        Blas1.shad(n, xd.segment(), xd.offset(), mask.segment(), 0, y.segment(), 0);
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        if (mask == null) {
            return gy;
        }
        Tensor g = gy.contiguous(arena);
        Tensor gx = Tensor.zerosLike(arena, gy);
        Blas1.shad(g.numel(), g.segment(), g.offset(), mask.segment(), 0, gx.segment(), 0);
        return gx;
    }

    /** How many consecutive elements share one keep decision: 1, each its own. */
    long elementsPerDecision(Tensor x) {
        return 1;
    }

    /** SplitMix64's finaliser: a bijective 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return describe() + "(p=" + p + ")";
    }

    @Override
    public String family() {
        return "dropout";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
