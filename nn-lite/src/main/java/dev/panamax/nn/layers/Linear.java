package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code y = x Wᵀ + b}, as {@code torch.nn.Linear}: x {@code [*, in]} (any leading dimensions, e.g.
 * {@code [N, in]}, a sequence's {@code [T, N, in]} or one sample's {@code [in]}), weight
 * {@code [out, in]}, bias {@code [out]}, y {@code [*, out]}. Initialised as PyTorch does.
 */
public final class Linear extends WeightedLayer {

    private final long in;
    private final long out;
    private Tensor x;
    /** The input of the last forward when it was not a matrix (its shape is the input gradient's), else null. */
    private Tensor shaped;
    /** The last backward's gradients, handed back when a reusing arena gives the same tensors again. */
    private LinearAlgebra.LinearGrads grads;

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

    private Linear(Parameter tied, boolean bias, RandomGenerator rng) {
        if (tied.value().rank() != 2) {
            throw new IllegalArgumentException("a tied weight must be [out, in], got " + tied.value());
        }
        super(tied, bias ? tied.value().size(0) : 0, rng);
        this.in = tied.value().size(1);
        this.out = tied.value().size(0);
    }

    /**
     * A Linear whose weight <em>is</em> {@code weight} ({@code [out, in]}), e.g. an
     * {@link Embedding}'s {@code [vocabulary, dim]} table used again as the output projection of a
     * language model (Press and Wolf's weight tying): one parameter, the two layers' gradients
     * summed in it. The model's {@code parameters()} list it once; its {@code state_dict} under
     * both names, as PyTorch's does.
     */
    public static Linear tiedTo(Parameter weight, boolean bias) {
        return new Linear(weight, bias, Init.generator());
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return forward(x, false, arena);
    }

    /**
     * {@code relu(forward(x))} with the bias and the ReLU in one pass, for {@link Sequential}'s
     * inference (this layer and ReLU in a row, in {@link InferenceMode}): the same values.
     */
    Tensor forwardRelu(Tensor x, Arena arena) {
        return forward(x, true, arena);
    }

    private Tensor forward(Tensor x, boolean relu, Arena arena) {
        // locals first, fields last: threads sharing a model in eval mode must not see each other's inputs
        Tensor shaped = null;
        if (x.rank() != 2) {
            if (x.rank() == 0 || x.size(-1) != in) {
                requireInput(x, -1, in);
            }
            shaped = x;
            x = x.contiguous(arena).view(-1, in);
        } else {
            requireInput(x, -1, in);
        }
        Tensor y = relu ? LinearAlgebra.linearRelu(x, weightValue(), biasValue(), arena)
                : LinearAlgebra.linear(x, weightValue(), biasValue(), arena);
        this.shaped = shaped;
        this.x = x;
        if (shaped == null) {
            return y;
        }
        // [*, out]; a sequence's [N, T, out] by the fixed-rank view, which makes no shape array
        return shaped.rank() == 3 ? y.view(shaped.size(0), shaped.size(1), out) : y.view(withLast(shaped.shape(), out));
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor shaped = this.shaped;
        if (shaped != null) {
            gy = gy.contiguous(arena).view(-1, out);
        }
        LinearAlgebra.LinearGrads g = LinearAlgebra.linearBackward(saved(x), weightValue(), hasBias(), gy,
                inputGradientRequired(), grads, arena);
        grads = g;
        accumulate(g.weight(), g.bias());
        return g.x() == null || shaped == null ? g.x() : g.x().viewAs(shaped);
    }

    /** {@code shape}, a copy of the caller's own, with its last dimension set to {@code last}. */
    private static long[] withLast(long[] shape, long last) {
        shape[shape.length - 1] = last;
        return shape;
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
