package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code y = x Wᵀ + b}, as {@code torch.nn.Linear}: x {@code [N, in]}, weight {@code [out, in]},
 * bias {@code [out]}, y {@code [N, out]}. Initialised as PyTorch does.
 */
public final class Linear extends Layer {

    private final long in;
    private final long out;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x;

    public Linear(long in, long out) {
        this(in, out, true, Init.generator());
    }

    public Linear(long in, long out, boolean bias, RandomGenerator rng) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear needs in and out features > 0, got " + in + " and " + out);
        }
        this.in = in;
        this.out = out;
        this.weight = parameter("weight", out, in);
        this.bias = bias ? parameter("bias", out) : null;
        Init.torchDefault(weight.value(), bias ? this.bias.value() : null, rng);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        requireInput(x, -1, in);
        this.x = x;
        return LinearAlgebra.linear(x, weight.value(), bias == null ? null : bias.value(), arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        LinearAlgebra.LinearGrads g = LinearAlgebra.linearBackward(saved(x), weight.value(), bias != null, gy,
                inputGradientRequired(), arena);
        accumulate(weight, g.weight());
        if (bias != null) {
            accumulate(bias, g.bias());
        }
        return g.x();
    }

    @Override
    public String toString() {
        return describe() + "(in=" + in + ", out=" + out + ", bias=" + (bias != null) + ")";
    }

    @Override
    public String family() {
        return "gemm";
    }
}
