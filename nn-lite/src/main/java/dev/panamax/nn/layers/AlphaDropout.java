package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.nn.tensor.Tensor;

/**
 * Alpha dropout, as {@code torch.nn.AlphaDropout(p)}: the dropout of self-normalising networks
 * (SELU activations). In training each element is dropped with probability {@code p} to SELU's
 * negative saturation value {@code -lambda alpha} rather than to 0, and the result is scaled and
 * shifted ({@code a x + b}, PyTorch's a and b) so that an input of zero mean and unit variance
 * keeps them; evaluation is the identity. Seeded and reproducible as {@link Dropout}.
 */
public sealed class AlphaDropout extends Layer permits FeatureAlphaDropout {

    /** SELU's {@code lambda alpha}, PyTorch's constant. */
    private static final double ALPHA = 1.7580993408473766;

    private final float p;
    private final long seed;
    private long calls;
    /** The last training forward's multipliers ({@code a} kept, 0 dropped); null after an identity pass. */
    private Tensor scale;

    /** Probability {@code p} and a seed from {@link Init#generator()}. */
    public AlphaDropout(float p) {
        this(p, Init.generator().nextLong());
    }

    public AlphaDropout(float p, long seed) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        }
        this.p = p;
        this.seed = seed;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (!isTraining() || p == 0) {
            scale = null;
            return x;
        }
        Tensor xd = x.contiguous(arena);
        long n = xd.numel();
        scale = Tensor.zerosLike(arena, x);
        Tensor y = Tensor.zerosLike(arena, x);
        // p = 1 drops everything: PyTorch returns x * 0 there, its a and b being infinite
        double a = p == 1 ? 0 : 1 / Math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p));
        float kept = (float) a;
        float shiftKept = p == 1 ? 0f : (float) (ALPHA * a * p);
        float shiftDropped = p == 1 ? 0f : (float) (ALPHA * a * (p - 1));
        long unit = elementsPerDecision(x);
        long base = Dropout.mix(seed + 0x9E3779B97F4A7C15L * ++calls);
        MemorySegment s = scale.segment();
        MemorySegment out = y.segment();
        for (long i = 0; i < n; i++) {
            boolean keep = (Dropout.mix(base + i / unit) >>> 40) * 0x1.0p-24f >= p;     // as Dropout decides
            float v = xd.segment().getAtIndex(ValueLayout.JAVA_FLOAT, xd.offset() + i);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, keep ? kept : 0f);
            out.setAtIndex(ValueLayout.JAVA_FLOAT, i, keep ? v * kept + shiftKept : p == 1 ? v * 0f : shiftDropped);
        }
        return y;
    }

    /** How many consecutive elements share one keep decision: 1, each its own. */
    long elementsPerDecision(Tensor x) {
        return 1;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        if (scale == null) {
            return gy;
        }
        Tensor g = gy.contiguous(arena);
        Tensor gx = Tensor.zerosLike(arena, gy);
        dev.panamax.kernels.gemm.Blas1.shad(g.numel(), g.segment(), g.offset(), scale.segment(), 0, gx.segment(), 0);
        return gx;
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        return describe() + "(p=" + p + ")";
    }
}
