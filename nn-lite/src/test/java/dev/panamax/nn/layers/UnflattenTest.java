package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/** Unflatten as torch.nn.Unflatten: shapes, a view of the same memory, the inverse of Flatten, refusals. */
class UnflattenTest {

    @Test
    void splitsADimensionAsAView() {
        try (Arena arena = Arena.ofConfined()) {
            float[] values = new float[2 * 12];
            for (int i = 0; i < values.length; i++) {
                values[i] = i;
            }
            Tensor x = Tensor.of(arena, values, 2, 12);
            Unflatten unflatten = new Unflatten(1, 3, 2, 2);
            Tensor y = unflatten.forward(x, arena);
            assertThat(y.shape()).containsExactly(2, 3, 2, 2);
            assertThat(y.segment()).isSameAs(x.segment());
            assertThat(y.get(1, 2, 1, 0)).isEqualTo(12 + 2 * 4 + 2);
            Tensor gx = unflatten.backward(y, arena);
            assertThat(gx.shape()).containsExactly(2, 12);
            assertThat(new Unflatten(-1, 4, 3).outputShape(new long[] {5, 12})).containsExactly(5, 4, 3);
            Flatten flatten = new Flatten();
            assertThat(flatten.forward(unflatten.forward(x, arena), arena).toFloatArray()).containsExactly(values);
            assertThat(unflatten.toString()).contains("unflattened_size=[3, 2, 2]");
        }
    }

    @Test
    void misuseIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> new Unflatten(1, 5, 2).forward(Tensor.zeros(arena, 2, 12), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 elements").hasMessageContaining("[2, 12]");
            assertThatThrownBy(() -> new Unflatten(3, 2).forward(Tensor.zeros(arena, 2, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new Unflatten(1, 0, 2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(">= 1");
        }
    }
}
