package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/** ChannelShuffle: torch.nn.ChannelShuffle(3)'s output on [2, 6, 1, 2] (PyTorch 1.13), and backward undoes it. */
class ChannelShuffleTest {

    @Test
    void matchesPyTorchAndBackwardInverts() {
        try (Arena arena = Arena.ofConfined()) {
            float[] xs = new float[24];
            for (int i = 0; i < 24; i++) {
                xs[i] = i;
            }
            Tensor x = Tensor.of(arena, xs, 2, 6, 1, 2);
            ChannelShuffle shuffle = new ChannelShuffle(3);
            Tensor y = shuffle.forward(x, arena);
            assertThat(y.toFloatArray()).containsExactly(0, 1, 4, 5, 8, 9, 2, 3, 6, 7, 10, 11, 12, 13, 16, 17, 20, 21, 14, 15,
                    18, 19, 22, 23);
            assertThat(shuffle.backward(y, arena).toFloatArray()).containsExactly(xs);
            assertThatThrownBy(() -> shuffle.forward(Tensor.zeros(arena, 2, 4, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("divisible by 3");
        }
    }
}
