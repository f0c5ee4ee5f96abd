package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code linearRelu} (bias and ReLU in one pass) gives the bits of {@code linear} then ReLU, and
 * {@link Sequential} uses it for a Linear followed by ReLU in inference only.
 */
class LinearReluTest {

    /** Any batch (one row takes the matrix-vector path), widths below and above a vector, with and without bias, NaN and signed zeros. */
    @Test
    void fusedEqualsLinearThenRelu() {
        qt().withExamples(80).forAll(integers().between(1, 70), integers().between(1, 40), integers().between(1, 40), longs().all())
                .checkAssert((rows, in, out, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] xs = new float[rows * in];
                    for (int i = 0; i < xs.length; i++) {
                        int v = r.nextInt(12);
                        xs[i] = v == 0 ? Float.NaN : v == 1 ? -0f : v == 2 ? 0f : (float) r.nextGaussian();
                    }
                    boolean biased = r.nextBoolean();
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, rows, in);
                        Tensor w = Tensor.of(arena, Arrays2.uniform(r, out * in, -1, 1), out, in);
                        Tensor b = biased ? Tensor.of(arena, Arrays2.uniform(r, out, -1, 1), out) : null;
                        float[] want = Activations.forward(Activation.RELU, LinearAlgebra.linear(x, w, b, arena), arena)
                                .toFloatArray();
                        Arrays2.assertSameValues(rows + " x " + in + " -> " + out + (biased ? " with bias" : ""),
                                LinearAlgebra.linearRelu(x, w, b, arena).toFloatArray(), want);
                    }
                });
    }

    /** An MLP in inference equals its layers called one by one; the ReLU then keeps no input, so its backward fails. */
    @Test
    void sequentialFusesLinearAndReluInInference() {
        Init.manualSeed(4);
        Sequential mlp = Models.mlp(30, 64, 2);
        mlp.eval();
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, Arrays2.uniform(new SplittableRandom(2), 5 * 30, -2, 2), 5, 30);
            float[] oneByOne = FusedInference.assertFusedForwardIsLayerByLayer(mlp, x, arena);
            Layer relu = mlp.layers().get(1);
            assertThatThrownBy(() -> relu.backward(Tensor.zeros(arena, 5, 64), arena)).isInstanceOf(IllegalStateException.class);
            mlp.train();
            assertThat(mlp.forward(x, arena).toFloatArray()).containsExactly(oneByOne);
        }
    }
}
