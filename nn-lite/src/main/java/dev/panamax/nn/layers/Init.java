package dev.panamax.nn.layers;

import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import dev.panamax.nn.tensor.Tensor;

/**
 * Weight initialisers, as {@code torch.nn.init}, filling contiguous float32 tensors in place from
 * a given generator (so a seed reproduces a model). Fans follow PyTorch: for a weight
 * {@code [out, in, k...]}, {@code fan_in = in * prod(k)} and {@code fan_out = out * prod(k)}.
 *
 * <p>Layers built without a generator draw from {@link #generator()}, which {@link #manualSeed}
 * resets, like {@code torch.manual_seed}.
 */
public final class Init {

    private static RandomGenerator shared = new SplittableRandom(0);

    private Init() {
    }

    /** Reseeds the generator layers use by default. */
    public static synchronized void manualSeed(long seed) {
        shared = new SplittableRandom(seed);
    }

    /** The generator layers use when none is given. */
    public static synchronized RandomGenerator generator() {
        return shared;
    }

    /** Which fan Kaiming initialisation preserves. */
    public enum FanMode { FAN_IN, FAN_OUT }

    /** {@code U(low, high)}. */
    public static void uniform(Tensor t, double low, double high, RandomGenerator rng) {
        requireDense(t);
        for (long i = 0, n = t.numel(); i < n; i++) {
            set(t, i, (float) (low + (high - low) * rng.nextDouble()));
        }
    }

    /** {@code N(mean, std²)}. */
    public static void normal(Tensor t, double mean, double std, RandomGenerator rng) {
        requireDense(t);
        for (long i = 0, n = t.numel(); i < n; i++) {
            set(t, i, (float) (mean + std * rng.nextGaussian()));
        }
    }

    /** Every element {@code value}. */
    public static void constant(Tensor t, double value) {
        t.fill((float) value);
    }

    /** Glorot/Xavier uniform: {@code U(-a, a)}, {@code a = gain sqrt(6 / (fan_in + fan_out))}. */
    public static void xavierUniform(Tensor w, double gain, RandomGenerator rng) {
        long[] f = fans(w);
        double a = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        uniform(w, -a, a, rng);
    }

    /** Glorot/Xavier normal: std {@code gain sqrt(2 / (fan_in + fan_out))}. */
    public static void xavierNormal(Tensor w, double gain, RandomGenerator rng) {
        long[] f = fans(w);
        normal(w, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])), rng);
    }

    /**
     * He/Kaiming uniform for a (leaky) ReLU of negative slope {@code a} (0 for ReLU):
     * bound {@code sqrt(2 / (1 + a²)) sqrt(3 / fan)}.
     */
    public static void kaimingUniform(Tensor w, double a, FanMode mode, RandomGenerator rng) {
        double bound = Math.sqrt(2.0 / (1 + a * a)) * Math.sqrt(3.0 / fan(w, mode));
        uniform(w, -bound, bound, rng);
    }

    /** He/Kaiming normal: std {@code sqrt(2 / (1 + a²)) / sqrt(fan)}. */
    public static void kaimingNormal(Tensor w, double a, FanMode mode, RandomGenerator rng) {
        normal(w, 0, Math.sqrt(2.0 / (1 + a * a)) / Math.sqrt(fan(w, mode)), rng);
    }

    /** LeCun uniform (for SELU networks): bound {@code sqrt(3 / fan_in)}. */
    public static void lecunUniform(Tensor w, RandomGenerator rng) {
        double bound = Math.sqrt(3.0 / fans(w)[0]);
        uniform(w, -bound, bound, rng);
    }

    /** LeCun normal: std {@code 1 / sqrt(fan_in)}. */
    public static void lecunNormal(Tensor w, RandomGenerator rng) {
        normal(w, 0, 1 / Math.sqrt(fans(w)[0]), rng);
    }

    /**
     * PyTorch's default for Linear and convolutions: the weight Kaiming-uniform with
     * {@code a = sqrt(5)} (bound {@code 1/sqrt(fan_in)}) and the bias {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}.
     * {@code bias} may be null.
     */
    public static void torchDefault(Tensor weight, Tensor bias, RandomGenerator rng) {
        kaimingUniform(weight, Math.sqrt(5), FanMode.FAN_IN, rng);
        if (bias != null) {
            double bound = 1 / Math.sqrt(fans(weight)[0]);
            uniform(bias, -bound, bound, rng);
        }
    }

    /** {@code [fan_in, fan_out]} of a weight of rank ≥ 2. */
    public static long[] fans(Tensor w) {
        if (w.rank() < 2) {
            throw new IllegalArgumentException("fans need a weight of rank >= 2, got shape " + java.util.Arrays.toString(w.shape()));
        }
        long receptive = 1;
        for (int d = 2; d < w.rank(); d++) {
            receptive *= w.size(d);
        }
        return new long[] {Math.max(1, w.size(1) * receptive), Math.max(1, w.size(0) * receptive)};
    }

    private static long fan(Tensor w, FanMode mode) {
        return fans(w)[mode == FanMode.FAN_IN ? 0 : 1];
    }

    private static void requireDense(Tensor t) {
        if (!t.isContiguous()) {
            throw new IllegalArgumentException("initialisers fill contiguous tensors, got strides "
                    + java.util.Arrays.toString(t.strides()));
        }
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, t.offset() + i, v);
    }
}
