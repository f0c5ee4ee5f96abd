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
     * {@code N(mean, std²)} truncated to {@code [a, b]} (absolute bounds, as
     * {@code torch.nn.init.trunc_normal_}; PyTorch's defaults: mean 0, std 1, a -2, b 2). Exact
     * sampling: rejection from the normal where the interval holds enough of it, and from a uniform
     * or an exponential proposal in the tails (Robert, 1995), so a narrow interval far out costs
     * no more than a wide one. The transformers' initialiser (std 0.02).
     */
    public static void truncNormal(Tensor t, double mean, double std, double a, double b, RandomGenerator rng) {
        if (!(std > 0) || Double.isInfinite(std) || !(a < b) || Double.isNaN(mean) || Double.isInfinite(mean)) {
            throw new IllegalArgumentException("trunc_normal needs a finite mean, a finite std > 0 and a < b, got mean " + mean
                    + ", std " + std + ", [" + a + ", " + b + "]");
        }
        requireDense(t);
        double lo = (a - mean) / std;
        double hi = (b - mean) / std;
        for (long i = 0, n = t.numel(); i < n; i++) {
            double z = hi <= 0 ? -truncatedStandardNormal(-hi, -lo, rng) : truncatedStandardNormal(lo, hi, rng);
            set(t, i, (float) Math.min(b, Math.max(a, mean + std * z)));   // the clamp only undoes rounding
        }
    }

    /** A draw of N(0, 1) restricted to {@code [lo, hi]}, {@code hi > 0}. */
    private static double truncatedStandardNormal(double lo, double hi, RandomGenerator rng) {
        final double sqrt2Pi = Math.sqrt(2 * Math.PI);
        if (lo <= 0) {
            if (hi - lo < sqrt2Pi) {                                 // a short interval around 0: uniform proposal
                while (true) {
                    double z = lo + (hi - lo) * rng.nextDouble();
                    if (rng.nextDouble() <= Math.exp(-z * z / 2)) {
                        return z;
                    }
                }
            }
            while (true) {                                           // holds at least 40 % of the normal
                double z = rng.nextGaussian();
                if (z >= lo && z <= hi) {
                    return z;
                }
            }
        }
        // the right tail [lo, hi], lo > 0: the exponential proposal of rate alpha, or a uniform one when short
        double alpha = (lo + Math.sqrt(lo * lo + 4)) / 2;
        if (hi - lo < 2 * Math.sqrt(Math.E) / (lo + Math.sqrt(lo * lo + 4)) * Math.exp((lo * lo - lo * Math.sqrt(lo * lo + 4)) / 4)) {
            while (true) {
                double z = lo + (hi - lo) * rng.nextDouble();
                if (rng.nextDouble() <= Math.exp((lo * lo - z * z) / 2)) {
                    return z;
                }
            }
        }
        while (true) {
            double z = lo - Math.log(1 - rng.nextDouble()) / alpha;
            if (z <= hi && rng.nextDouble() <= Math.exp(-(z - alpha) * (z - alpha) / 2)) {
                return z;
            }
        }
    }

    /**
     * A (semi-)orthogonal matrix, as {@code torch.nn.init.orthogonal_}: the weight seen as
     * {@code [size(0), numel / size(0)]}, the Q of the QR decomposition of a standard normal matrix
     * (its columns' signs fixed by R's diagonal, so Q is uniformly distributed), times {@code gain}.
     * Rows (or columns, whichever are fewer) come out orthonormal: {@code W W^T = gain² I} for a
     * wide weight, {@code W^T W = gain² I} for a tall one. Recurrent weights' initialiser.
     */
    public static void orthogonal(Tensor w, double gain, RandomGenerator rng) {
        if (w.rank() < 2) {
            throw new IllegalArgumentException("orthogonal needs a weight of rank >= 2, got shape "
                    + java.util.Arrays.toString(w.shape()));
        }
        requireDense(w);
        int rows = Math.toIntExact(w.size(0));
        int cols = Math.toIntExact(w.numel() / rows);
        boolean wide = rows < cols;
        int m = wide ? cols : rows;                                  // QR of the tall orientation
        int n = wide ? rows : cols;
        org.ejml.data.DMatrixRMaj g = new org.ejml.data.DMatrixRMaj(m, n);
        for (int i = 0; i < m * n; i++) {
            g.data[i] = rng.nextGaussian();
        }
        var qr = org.ejml.dense.row.factory.DecompositionFactory_DDRM.qr(m, n);
        if (!qr.decompose(g)) {
            throw new IllegalStateException("QR decomposition failed for a " + m + " x " + n + " normal matrix");
        }
        org.ejml.data.DMatrixRMaj q = qr.getQ(null, true);           // m x n, orthonormal columns
        org.ejml.data.DMatrixRMaj r = qr.getR(null, true);
        for (int j = 0; j < n; j++) {
            double sign = Math.signum(r.get(j, j)) == 0 ? 1 : Math.signum(r.get(j, j));
            for (int i = 0; i < m; i++) {
                double v = gain * sign * q.get(i, j);
                set(w, wide ? (long) j * cols + i : (long) i * cols + j, (float) v);
            }
        }
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
