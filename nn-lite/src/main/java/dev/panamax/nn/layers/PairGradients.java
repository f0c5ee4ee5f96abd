package dev.panamax.nn.layers;

import dev.panamax.nn.tensor.Tensor;

/**
 * The gradients a block of two inputs returns from its backward ({@link Bilinear},
 * {@link PairwiseDistance}, {@link CosineSimilarity}): of {@code x1} and of {@code x2}, each of
 * its input's shape.
 */
public record PairGradients(Tensor x1, Tensor x2) {
}
