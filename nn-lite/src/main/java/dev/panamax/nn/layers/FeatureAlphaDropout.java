package dev.panamax.nn.layers;

import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/**
 * Alpha dropout of whole channels, as {@code torch.nn.FeatureAlphaDropout(p)}: each channel of
 * each sample of {@code [N, C, *]} is kept or set to SELU's saturation value as one, then scaled
 * and shifted as {@link AlphaDropout} does; evaluation is the identity.
 */
public final class FeatureAlphaDropout extends AlphaDropout {

    /** Probability {@code p} and a seed from {@link Init#generator()}. */
    public FeatureAlphaDropout(float p) {
        super(p);
    }

    public FeatureAlphaDropout(float p, long seed) {
        super(p, seed);
    }

    /** The positions of one channel: one decision per channel of each sample. */
    @Override
    long elementsPerDecision(Tensor x) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException(describe() + " expects [N, C, *], got shape " + Arrays.toString(x.shape()));
        }
        long positions = 1;
        for (int d = 2; d < x.rank(); d++) {
            positions *= x.size(d);
        }
        return Math.max(1, positions);
    }
}
