package dev.panamax.nn.functional;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.tensor.Tensor;

/**
 * Activations on views give what they give on contiguous copies of them, bit for bit: a channel
 * slice of {@code [N, C, H, W]} (one call per image) and a transposed view (walked row by row).
 */
class ActivationsTest {

    @Test
    void stridedViewsGiveTheirContiguousCopysValues() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, 3, 5, 4, 4);
            Tensor gy = Tensor.zeros(arena, 3, 5, 4, 4);
            Init.normal(x, 0, 1, new SplittableRandom(1));
            Init.normal(gy, 0, 1, new SplittableRandom(2));
            Tensor wide = Tensor.zeros(arena, 3, 7, 4, 4);      // another image stride
            Init.normal(wide, 0, 1, new SplittableRandom(3));
            Tensor[][] views = {
                {x.slice(1, 1, 4), gy.slice(1, 1, 4)},                 // dense below the first dimension
                {x.slice(1, 2, 3), gy.slice(1, 0, 1)},
                {x.slice(1, 1, 4), wide.slice(1, 2, 5)},
                {x.transpose(2, 3), gy.transpose(2, 3)},               // strided within rows
                {x.slice(1, 1, 4), gy.transpose(2, 3).slice(1, 0, 3)},
            };
            for (Activation f : new Activation[] {Activation.RELU, Activation.TANH}) {
                for (Tensor[] v : views) {
                    Tensor xv = v[0];
                    Tensor gv = v[1];
                    assertThat(xv.isContiguous()).isFalse();
                    Tensor xc = xv.contiguous(arena);
                    Tensor gc = gv.contiguous(arena);
                    assertThat(Activations.forward(f, xv, arena).toFloatArray())
                            .containsExactly(Activations.forward(f, xc, arena).toFloatArray());
                    assertThat(Activations.backward(f, xv, gv, arena).toFloatArray())
                            .containsExactly(Activations.backward(f, xc, gc, arena).toFloatArray());
                }
            }
        }
    }
}
