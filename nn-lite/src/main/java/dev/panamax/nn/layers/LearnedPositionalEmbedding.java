package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * A trained vector per position, added to the token vectors ({@code x + weight[0 .. T)}), as GPT
 * does: {@code weight [maxLen, E]}, drawn from N(0, 0.02). Sequences may not be longer than
 * {@code maxLen}.
 */
public final class LearnedPositionalEmbedding extends Layer {

    private final Parameter weight;
    private final boolean batchFirst;
    private int start;

    public LearnedPositionalEmbedding(long maxLen, long dim, boolean batchFirst, RandomGenerator rng) {
        if (maxLen < 1 || dim < 1) {
            throw new IllegalArgumentException("max_len and dim must be >= 1, got " + maxLen + ", " + dim);
        }
        this.weight = parameter("weight", maxLen, dim);
        this.batchFirst = batchFirst;
        Init.normal(weight.value(), 0, 0.02, rng);
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return forward(x, 0, arena);
    }

    /** Adds positions {@code start ..} (a decoding step continues where the cached tokens end). */
    public Tensor forward(Tensor x, int start, Arena arena) {
        this.start = start;
        return Positions.add(x, weight.value(), start, batchFirst, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Positions.accumulate(gy, weight.grad(), start, batchFirst, arena);
        return gy;
    }
}
