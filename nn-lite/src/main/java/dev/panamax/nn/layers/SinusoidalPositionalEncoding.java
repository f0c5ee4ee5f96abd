package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * The fixed positional encoding of "Attention Is All You Need":
 * {@code pe[p, 2i] = sin(p / 10000^(2i/E))}, {@code pe[p, 2i+1] = cos(p / 10000^(2i/E))}, added to the
 * token vectors. Nothing is trained; sequences may not be longer than {@code maxLen}.
 */
public final class SinusoidalPositionalEncoding extends Layer {

    private final Tensor table;
    private final boolean batchFirst;

    public SinusoidalPositionalEncoding(int maxLen, int dim, boolean batchFirst) {
        if (maxLen < 1 || dim < 1) {
            throw new IllegalArgumentException("max_len and dim must be >= 1, got " + maxLen + ", " + dim);
        }
        float[] pe = new float[maxLen * dim];
        for (int p = 0; p < maxLen; p++) {
            for (int i = 0; i < dim; i += 2) {
                double angle = p / Math.pow(10000, (double) i / dim);
                pe[p * dim + i] = (float) Math.sin(angle);
                if (i + 1 < dim) {
                    pe[p * dim + i + 1] = (float) Math.cos(angle);
                }
            }
        }
        this.table = Tensor.of(Arena.ofAuto(), pe, maxLen, dim);
        this.batchFirst = batchFirst;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return forward(x, 0, arena);
    }

    /** Adds positions {@code start ..}. */
    public Tensor forward(Tensor x, int start, Arena arena) {
        return Positions.add(x, table, start, batchFirst, arena);
    }

    /** The encoding is constant: the gradient passes through. */
    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return gy;
    }
}
