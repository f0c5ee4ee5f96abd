package dev.panamax.nn.layers;

import static dev.panamax.nn.TorchValues.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;

import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code nn.Transformer} against PyTorch 1.13 in float64 (values in {@code src/test/resources/transformer},
 * d_model 4, 2 heads, feed-forward 8, no dropout, batch first): post-norm with a causal target
 * (two layers each side), pre-norm with padded sources hidden from both attentions and a padded
 * target token hidden from the decoder's self-attention, and one
 * unbatched pair; its state dict loaded by PyTorch's names, the output and the gradients of the
 * source, the target and every parameter agree within 2e-6 (relative beyond 1).
 */
class TransformerTest {

    @Test
    void causalPostNorm() throws IOException {
        check("causal", false, 2, true, false, false);
    }

    @Test
    void preNormWithPaddedSources() throws IOException {
        check("prenorm_padded", true, 1, true, true, false);
    }

    @Test
    void unbatched() throws IOException {
        check("unbatched", false, 1, false, false, true);
    }

    /**
     * Training reuses attention's saved record, and a reusing arena hands back the same tensors,
     * views and gradient records every step: the second step on other data must give what a
     * fresh layer gives on that data, and a forward that failed must not leave a record that
     * backward would read half written.
     */
    @Test
    void stepsThroughAReusingArenaGiveAFreshLayersGradients() {
        try (dev.panamax.nn.tensor.StepArena step = dev.panamax.nn.tensor.StepArena.reusingTensors();
             Arena arena = Arena.ofConfined()) {
            MultiHeadAttention reused = new MultiHeadAttention(8, 2, true, true, new java.util.SplittableRandom(3));
            MultiHeadAttention fresh = new MultiHeadAttention(8, 2, true, true, new java.util.SplittableRandom(3));
            Tensor[] inputs = new Tensor[3];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = Tensor.zeros(arena, 2, 5, 8);
                Init.normal(inputs[i], 0, 1, new java.util.SplittableRandom(10 + i));
            }
            float[] reusedGrad = null;
            for (Tensor x : inputs) {
                step.reset();
                for (Parameter p : reused.parameters()) {
                    p.grad().fill(0f);
                }
                Tensor y = reused.forward(x, step);
                reusedGrad = reused.backward(Tensor.zerosLike(step, y).fill(1f), step).toFloatArray();
            }
            Tensor last = inputs[inputs.length - 1];
            Tensor y = fresh.forward(last, arena);
            float[] freshGrad = fresh.backward(Tensor.zerosLike(arena, y).fill(1f), arena).toFloatArray();
            assertThat(reusedGrad).containsExactly(freshGrad);
            assertThat(reused.namedParameters().get("in_proj_weight").grad().toFloatArray())
                    .containsExactly(fresh.namedParameters().get("in_proj_weight").grad().toFloatArray());
            step.reset();
            Tensor y2 = reused.forward(last, step);
            assertThatThrownBy(() -> reused.forward(last, last, last, null, Tensor.zeros(arena, 3, 3), false, step))
                    .as("an attn_mask of the wrong shape, found after the record is taken")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> reused.backward(Tensor.zerosLike(step, y2).fill(1f), step))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("forward failed");
        }
    }

    @Test
    void subsequentMaskAndMisuse() {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(Transformer.squareSubsequentMask(3, arena).toFloatArray()).containsExactly(0f,
                    Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, 0f, Float.NEGATIVE_INFINITY, 0f, 0f, 0f);
            Transformer t = new Transformer(TransformerOptions.of(4, 2).batchFirst(true), 1, 1);
            assertThat(t.namedParameters()).containsKeys("encoder.layers.0.self_attn.in_proj_weight", "encoder.norm.weight",
                    "decoder.layers.0.multihead_attn.out_proj.bias", "decoder.norm.bias");
            assertThatThrownBy(() -> t.forward(Tensor.zeros(arena, 2, 3, 5), Tensor.zeros(arena, 2, 3, 4), null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3, 5]");
        }
    }

    private static void check(String name, boolean normFirst, int layers, boolean causal, boolean padded, boolean unbatched)
            throws IOException {
        Map<String, float[]> v = TorchValues.read("/transformer/" + name + ".txt");
        TransformerOptions o = TransformerOptions.of(4, 2).dimFeedforward(8).dropout(0f).batchFirst(true).normFirst(normFirst);
        Transformer model = new Transformer(o, layers, layers);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> state = new HashMap<>();
            model.namedParameters().forEach((k, p) -> state.put(k, Tensor.of(arena, v.get(k), p.value().shape())));
            model.loadStateDict(state);
            long[] srcShape = unbatched ? new long[] {5, 4} : new long[] {2, 5, 4};
            long[] tgtShape = unbatched ? new long[] {3, 4} : new long[] {2, 3, 4};
            Tensor padding = padded ? Tensor.ofLongs(arena, new long[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, 2, 5) : null;
            Tensor tgtPadding = padded ? Tensor.ofLongs(arena, new long[] {0, 0, 1, 0, 0, 0}, 2, 3) : null;
            Transformer.Masks masks = new Transformer.Masks(null, padding, null, tgtPadding, causal, padding);
            Tensor y = model.forward(Tensor.of(arena, v.get("src"), srcShape), Tensor.of(arena, v.get("tgt"), tgtShape), masks,
                    arena);
            assertThat(y.shape()).containsExactly(tgtShape);
            assertClose("y", y.toFloatArray(), v.get("y"));
            Transformer.Gradients g = model.backwardAll(Tensor.of(arena, v.get("gy"), tgtShape), arena);
            assertClose("gradient of src", g.src().toFloatArray(), v.get("g_src"));
            assertClose("gradient of tgt", g.tgt().toFloatArray(), v.get("g_tgt"));
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                assertClose("gradient of " + e.getKey(), e.getValue().grad().toFloatArray(), v.get("g_" + e.getKey()));
            }
        }
    }
}
