package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.random.RandomGenerator;

import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code y[o] = x1 W[o] x2ᵀ + b[o]}, as {@code torch.nn.Bilinear}: x1 {@code [*, in1]} and x2
 * {@code [*, in2]} with the same leading dimensions (one sample's {@code [in1]} and {@code [in2]}
 * included), weight {@code [out, in1, in2]}, bias {@code [out]}, y {@code [*, out]}. Initialised as
 * PyTorch does: weight and bias uniform in {@code ±1/sqrt(in1)}.
 *
 * <p>A block of two inputs, not a {@link Layer}: {@link #forward(Tensor, Tensor, Arena)} takes
 * both, {@link #backward} returns both gradients and adds the weight's and bias's into theirs.
 */
public final class Bilinear extends Block {

    private final long in1;
    private final long in2;
    private final long out;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x1;
    private Tensor x2;
    private long[] shape1;
    private long[] shape2;

    public Bilinear(long in1, long in2, long out) {
        this(in1, in2, out, true, Init.generator());
    }

    public Bilinear(long in1, long in2, long out, boolean bias, RandomGenerator rng) {
        if (in1 <= 0 || in2 <= 0 || out <= 0) {
            throw new IllegalArgumentException("Bilinear needs in1, in2 and out features > 0, got " + in1 + ", " + in2
                    + " and " + out);
        }
        this.in1 = in1;
        this.in2 = in2;
        this.out = out;
        this.weight = parameter("weight", out, in1, in2);
        this.bias = bias ? parameter("bias", out) : null;
        double bound = 1 / Math.sqrt(in1);
        Init.uniform(weight.value(), -bound, bound, rng);
        if (this.bias != null) {
            Init.uniform(this.bias.value(), -bound, bound, rng);
        }
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    /** The bilinear form of {@code x1 [*, in1]} and {@code x2 [*, in2]}: {@code [*, out]}. */
    public Tensor forward(Tensor x1, Tensor x2, Arena arena) {
        long[] s1 = x1.shape();
        long[] s2 = x2.shape();
        if (s1.length == 0 || s1.length != s2.length || x1.size(-1) != in1 || x2.size(-1) != in2
                || !Arrays.equals(s1, 0, s1.length - 1, s2, 0, s2.length - 1)) {
            throw new IllegalArgumentException(describe() + " expects x1 [*, " + in1 + "] and x2 [*, " + in2
                    + "] with the same leading dimensions, got " + Arrays.toString(s1) + " and " + Arrays.toString(s2));
        }
        Tensor a = x1.contiguous(arena).view(-1, in1);
        Tensor b = x2.contiguous(arena).view(-1, in2);
        Tensor y = LinearAlgebra.bilinear(a, b, weight.value(), bias == null ? null : bias.value(), arena);
        this.x1 = a;
        this.x2 = b;
        this.shape1 = s1;
        this.shape2 = s2;
        long[] shape = s1.clone();
        shape[shape.length - 1] = out;
        return y.view(shape);
    }

    /**
     * Given {@code dL/dy} of the last forward's output shape, returns the gradients of x1 and x2
     * and adds the weight's and bias's into theirs.
     */
    public PairGradients backward(Tensor gy, Arena arena) {
        Tensor a = saved(x1);
        if (gy.numel() != a.size(0) * out || gy.size(-1) != out) {
            throw new IllegalArgumentException(describe() + ": the gradient must have the output's shape [*, " + out
                    + "] with " + a.size(0) + " rows, got " + Arrays.toString(gy.shape()));
        }
        LinearAlgebra.BilinearGrads g = LinearAlgebra.bilinearBackward(a, x2, weight.value(), bias != null,
                gy.contiguous(arena).view(-1, out), arena);
        accumulate(weight, bias, g.weight(), g.bias());
        return new PairGradients(g.x1().view(shape1), g.x2().view(shape2));
    }

    @Override
    public String toString() {
        return describe() + "(in1_features=" + in1 + ", in2_features=" + in2 + ", out_features=" + out + ", bias="
                + (bias != null) + ")";
    }
}
