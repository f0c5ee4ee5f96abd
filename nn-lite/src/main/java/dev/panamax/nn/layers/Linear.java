package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code y = x Wᵀ + b}, as {@code torch.nn.Linear}: x {@code [N, in]}, weight {@code [out, in]},
 * bias {@code [out]}, y {@code [N, out]}. Initialised as PyTorch does.
 */
public final class Linear extends WeightedLayer {

    private final long in;
    private final long out;
    private Tensor x;

    public Linear(long in, long out) {
        this(in, out, true, Init.generator());
    }

    public Linear(long in, long out, boolean bias, RandomGenerator rng) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear needs in and out features > 0, got " + in + " and " + out);
        }
        super(new long[] {out, in}, bias ? out : 0, rng);
        this.in = in;
        this.out = out;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        requireInput(x, -1, in);
        this.x = x;
        return LinearAlgebra.linear(x, weightValue(), biasValue(), arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        LinearAlgebra.LinearGrads g = LinearAlgebra.linearBackward(saved(x), weightValue(), hasBias(), gy,
                inputGradientRequired(), arena);
        accumulate(g.weight(), g.bias());
        return g.x();
    }

    @Override
    public String toString() {
        return describe() + "(in=" + in + ", out=" + out + ", bias=" + (hasBias()) + ")";
    }

    @Override
    public String family() {
        return "gemm";
    }
}
