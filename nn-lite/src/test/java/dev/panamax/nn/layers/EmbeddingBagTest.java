package dev.panamax.nn.layers;

import static dev.panamax.nn.TorchValues.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;

import dev.panamax.kernels.embedding.EmbeddingBag.Mode;
import dev.panamax.nn.tensor.Tensor;

/**
 * EmbeddingBag against PyTorch 1.13 in float64 (values in {@code src/test/resources/embeddingbag}):
 * a mean over flat indices and offsets with an empty bag and a padding index, a sum with per-sample
 * weights and include_last_offset (an empty bag again), a max over 2-d bags with a bag of padding
 * only; the output and the gradients of the table and of the per-sample weights agree within 2e-6.
 */
class EmbeddingBagTest {

    @Test
    void meanWithPaddingAndAnEmptyBag() throws IOException {
        Map<String, float[]> v = TorchValues.read("/embeddingbag/mean_padded.txt");
        EmbeddingBag bag = bag(v, Mode.MEAN, 2L, false);
        try (Arena arena = Arena.ofConfined()) {
            Tensor y = bag.forward(Tensor.ofLongs(arena, new long[] {1, 2, 4, 4, 3, 6, 0, 2}, 8),
                    Tensor.ofLongs(arena, new long[] {0, 3, 3, 5}, 4), null, arena);
            check(v, bag, y, 4, arena, null);
        }
    }

    @Test
    void weightedSumWithLastOffset() throws IOException {
        Map<String, float[]> v = TorchValues.read("/embeddingbag/sum_weighted_last_offset.txt");
        EmbeddingBag bag = bag(v, Mode.SUM, null, true);
        try (Arena arena = Arena.ofConfined()) {
            Tensor weights = Tensor.of(arena, v.get("psw"), 6);
            Tensor y = bag.forward(Tensor.ofLongs(arena, new long[] {5, 1, 1, 0, 3, 6}, 6),
                    Tensor.ofLongs(arena, new long[] {0, 2, 2, 5, 6}, 5), weights, arena);
            check(v, bag, y, 4, arena, v.get("g_psw"));
        }
    }

    @Test
    void maxOverEqualBagsWithPadding() throws IOException {
        Map<String, float[]> v = TorchValues.read("/embeddingbag/max_2d_padded.txt");
        EmbeddingBag bag = bag(v, Mode.MAX, 2L, false);
        try (Arena arena = Arena.ofConfined()) {
            Tensor y = bag.forward(Tensor.ofLongs(arena, new long[] {0, 3, 5, 2, 2, 2, 6, 1, 6, 4, 0, 2}, 4, 3), arena);
            check(v, bag, y, 4, arena, null);
        }
    }

    @Test
    void misuseIsRefused() {
        EmbeddingBag mean = new EmbeddingBag(5, 2);
        EmbeddingBag sum = new EmbeddingBag(5, 2, Mode.SUM, null, false, new SplittableRandom(1));
        try (Arena arena = Arena.ofConfined()) {
            Tensor flat = Tensor.ofLongs(arena, new long[] {0, 1, 2}, 3);
            assertThatThrownBy(() -> mean.forward(flat, Tensor.ofLongs(arena, new long[] {1, 2}, 2), null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offsets must start at 0");
            assertThatThrownBy(() -> mean.forward(flat, Tensor.ofLongs(arena, new long[] {0, 2, 1}, 3), null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not decrease");
            assertThatThrownBy(() -> mean.forward(flat, null, null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without offsets");
            assertThatThrownBy(() -> mean.forward(flat, Tensor.ofLongs(arena, new long[] {0}, 1), Tensor.zeros(arena, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only for mode SUM");
            assertThatThrownBy(() -> sum.forward(Tensor.ofLongs(arena, new long[] {0, 7}, 2), Tensor.ofLongs(arena, new long[] {0}, 1),
                    null, arena)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 5)");
            assertThatThrownBy(() -> sum.forward(Tensor.ofLongs(arena, new long[] {0, 1, 2, 3}, 2, 2),
                    Tensor.ofLongs(arena, new long[] {0}, 1), null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offsets must be null");
            assertThat(sum.toString()).contains("mode='sum'");
        }
    }

    private static EmbeddingBag bag(Map<String, float[]> v, Mode mode, Long padding, boolean lastOffset) {
        EmbeddingBag bag = new EmbeddingBag(7, 3, mode, padding, lastOffset, new SplittableRandom(2));
        try (Arena arena = Arena.ofConfined()) {
            bag.loadStateDict(Map.of("weight", Tensor.of(arena, v.get("weight"), 7, 3)));
        }
        return bag;
    }

    private static void check(Map<String, float[]> v, EmbeddingBag bag, Tensor y, int bags, Arena arena, float[] perSample) {
        assertThat(y.shape()).containsExactly(bags, 3);
        assertClose("y", y.toFloatArray(), v.get("y"));
        Tensor g = bag.backwardAll(Tensor.of(arena, v.get("gy"), bags, 3), arena);
        assertClose("gradient of the weight", bag.weight().grad().toFloatArray(), v.get("g_weight"));
        if (perSample == null) {
            assertThat(g).isNull();
        } else {
            assertClose("gradient of the per-sample weights", g.toFloatArray(), perSample);
        }
    }
}
