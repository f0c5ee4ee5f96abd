package dev.panamax.nn.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * cat, stack and split with PyTorch's shapes and element order: joins along a middle, the last
 * and (for stack) a new last dimension, a transposed input, int64 tensors; backward slices and
 * splits as views; misuse refused with both shapes.
 */
class ConcatenationTest {

    @Test
    void catJoinsAlongAnyDimensionAndItsBackwardSlices() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6}, 2, 1, 3);
            Tensor b = Tensor.of(arena, new float[] {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, 2, 2, 3);
            Tensor y = Concatenation.cat(List.of(a, b), 1, arena);
            assertThat(y.shape()).containsExactly(2, 3, 3);
            assertThat(y.toFloatArray()).containsExactly(1, 2, 3, 7, 8, 9, 10, 11, 12, 4, 5, 6, 13, 14, 15, 16, 17, 18);
            Tensor[] g = Concatenation.catBackward(List.of(a, b), 1, y);
            assertThat(g[0].toFloatArray()).containsExactly(a.toFloatArray());
            assertThat(g[1].toFloatArray()).containsExactly(b.toFloatArray());

            Tensor t = Tensor.of(arena, new float[] {1, 2, 3, 4}, 2, 2).transpose(0, 1);        // [[1, 3], [2, 4]]
            Tensor last = Concatenation.cat(List.of(t, Tensor.of(arena, new float[] {9, 9}, 2, 1)), -1, arena);
            assertThat(last.toFloatArray()).containsExactly(1, 3, 9, 2, 4, 9);

            Tensor ids = Concatenation.cat(List.of(Tensor.ofLongs(arena, new long[] {1, 2}, 2),
                    Tensor.ofLongs(arena, new long[] {3}, 1)), 0, arena);
            assertThat(ids.dtype()).isEqualTo(DType.INT64);
            assertThat(ids.toLongArray()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void stackAddsADimensionAndSplitCutsViews() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, new float[] {1, 2, 3}, 3);
            Tensor b = Tensor.of(arena, new float[] {4, 5, 6}, 3);
            Tensor rows = Concatenation.stack(List.of(a, b), 0, arena);
            assertThat(rows.shape()).containsExactly(2, 3);
            assertThat(rows.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
            Tensor cols = Concatenation.stack(List.of(a, b), -1, arena);
            assertThat(cols.shape()).containsExactly(3, 2);
            assertThat(cols.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
            Tensor[] g = Concatenation.stackBackward(2, -1, cols);
            assertThat(g[1].toFloatArray()).containsExactly(4, 5, 6);

            Tensor x = Tensor.of(arena, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2, 5);
            Tensor[] pieces = Concatenation.split(x, 2, 1);
            assertThat(pieces).hasSize(3);
            assertThat(pieces[2].shape()).containsExactly(2, 1);
            assertThat(pieces[2].toFloatArray()).containsExactly(4, 9);
            assertThat(Concatenation.cat(List.of(pieces), 1, arena).toFloatArray()).containsExactly(x.toFloatArray());
        }
    }

    @Test
    void misuseIsRefusedWithBothShapes() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Concatenation.cat(List.of(Tensor.zeros(arena, 2, 3), Tensor.zeros(arena, 3, 3)), 1, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3, 3]").hasMessageContaining("[2, 3]");
            assertThatThrownBy(() -> Concatenation.stack(List.of(Tensor.zeros(arena, 2), Tensor.zeros(arena, 3)), 0, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3]");
            assertThatThrownBy(() -> Concatenation.cat(List.of(), 0, arena)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Concatenation.split(Tensor.zeros(arena, 4), 0, 0)).hasMessageContaining("size > 0");
        }
    }
}
