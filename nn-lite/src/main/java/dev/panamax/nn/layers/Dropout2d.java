package dev.panamax.nn.layers;

import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/**
 * Channel dropout, as {@code torch.nn.Dropout2d(p)}: in training each channel of each image
 * ({@code [N, C, H, W]}, or one image's {@code [C, H, W]}) is zeroed whole with probability
 * {@code p} and the others scaled by {@code 1/(1-p)}; neighbouring pixels are correlated, so
 * dropping single ones regularises a convolution little. Seeded and reproducible as {@link Dropout}.
 */
public final class Dropout2d extends Dropout {

    /** Probability {@code p}, a seed from {@link Init#generator()}. */
    public Dropout2d(float p) {
        super(p);
    }

    public Dropout2d(float p, long seed) {
        super(p, seed);
    }

    /** A plane of H x W: one decision per channel of each image. */
    @Override
    long elementsPerDecision(Tensor x) {
        if (x.rank() != 3 && x.rank() != 4) {
            throw new IllegalArgumentException(describe() + " expects [N, C, H, W] or, unbatched, [C, H, W], got shape "
                    + Arrays.toString(x.shape()));
        }
        return Math.max(1, x.size(-1) * x.size(-2));
    }
}
