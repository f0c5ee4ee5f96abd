package dev.panamax.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.data.Pca;
import dev.panamax.nn.data.Standardizer;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.tensor.Tensor;

class AutoencoderTest {

    /**
     * Baldi and Hornik: a linear autoencoder's optimum spans PCA's subspace, so trained well it
     * reconstructs its training rows as well as PCA with the same k, and no better.
     */
    @Test
    void aLinearAutoencoderMatchesPca() throws Exception {
        for (Dataset d : new Dataset[] {Bundled.wine(), Bundled.breastCancer()}) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor x = new Standardizer(1e-8f).fitTransform(Tensor.of(arena, d.features(), d.size(), d.sampleSize()), arena);
                for (int k : new int[] {2, 4, 8}) {
                    double pca = Pca.of(k).fit(x).reconstructionError(x);
                    Init.manualSeed(k);
                    Autoencoder ae = Autoencoder.linear(d.sampleSize(), k);
                    double loss = ae.fit(x, Autoencoder.Training.defaults(k));
                    double error = ae.reconstructionError(x);
                    assertThat(error / pca).as("k = %d, %d features: autoencoder %s, PCA %s", k, d.sampleSize(), error, pca)
                            .isBetween(0.999, 1.02);
                    assertThat(loss).isCloseTo(error, org.assertj.core.data.Percentage.withPercentage(10));
                }
            }
        }
    }

    @Test
    void namesShapesAndCodes() {
        try (Arena arena = Arena.ofConfined()) {
            Autoencoder ae = Autoencoder.mlp(6, 5, 2);
            assertThat(ae.stateDict().keySet()).containsExactly("encoder.0.weight", "encoder.0.bias", "encoder.2.weight",
                    "encoder.2.bias", "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias");
            Tensor x = Tensor.zeros(arena, 3, 6);
            assertThat(ae.encode(x, arena).shape()).containsExactly(3, 2);
            assertThat(ae.forward(x, arena).shape()).containsExactly(3, 6);
            assertThatThrownBy(() -> ae.forward(Tensor.zeros(arena, 3, 5), arena)).hasMessageContaining("[*, 6]");
            assertThatThrownBy(() -> new Autoencoder.Training(0, 32, 1e-3, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
