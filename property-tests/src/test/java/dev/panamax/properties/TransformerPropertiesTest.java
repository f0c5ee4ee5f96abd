package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.layers.KvCache;
import dev.panamax.nn.layers.MultiHeadAttention;
import dev.panamax.nn.layers.TransformerDecoder;
import dev.panamax.nn.layers.TransformerOptions;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * What the transformer layers promise beyond single cases: decoding token by token through a
 * key/value cache equals the full causal forward (self-attention and a decoder stack, post- and
 * pre-norm); an attention's extra memory grows linearly with the sequence; bad input is refused
 * naming what is wrong (mask shapes, heads that do not divide the width, a full cache).
 */
class TransformerPropertiesTest {

    @Test
    void decodingWithTheCacheEqualsTheFullCausalForward() {
        SplittableRandom r = new SplittableRandom(3);
        for (boolean normFirst : new boolean[] {false, true}) {
            TransformerOptions o = TransformerOptions.of(16, 4).dimFeedforward(24).dropout(0f).batchFirst(true)
                    .normFirst(normFirst).activation("gelu");
            TransformerDecoder decoder = new TransformerDecoder(o, 2, normFirst);
            decoder.eval();
            int n = 3;
            int t = 9;
            int s = 5;
            try (Arena arena = Arena.ofShared(); KvCache cache = new KvCache(n, 12); StepArena step = new StepArena()) {
                Tensor x = Tensor.of(arena, Arrays2.uniform(r, n * t * 16, -1, 1), n, t, 16);
                Tensor memory = Tensor.of(arena, Arrays2.uniform(r, n * s * 16, -1, 1), n, s, 16);
                float[] full = decoder.forward(x, memory, null, null, true, arena).toFloatArray();
                int done = 0;
                for (int chunk : new int[] {1, 1, 3, 1, 2, 1}) {          // one token at a time, and a few at once
                    step.reset();
                    Tensor part = x.slice(1, done, done + chunk).contiguous(step);
                    float[] got = decoder.forwardCached(part, memory, null, cache, step).toFloatArray();
                    for (int b = 0; b < n; b++) {
                        for (int i = 0; i < chunk; i++) {
                            for (int e = 0; e < 16; e++) {
                                assertThat(got[(b * chunk + i) * 16 + e]).as("norm_first=" + normFirst + " token " + (done + i))
                                        .isCloseTo(full[(b * t + done + i) * 16 + e], org.assertj.core.data.Offset.offset(2e-5f));
                            }
                        }
                    }
                    done += chunk;
                }
                assertThat(cache.length()).isEqualTo(t);
                Tensor more = x.slice(1, 0, 4).contiguous(arena);
                assertThatThrownBy(() -> decoder.forwardCached(more, memory, null, cache, arena))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("9 of 12").hasMessageContaining("overflow");
            }
        }
    }

    @Test
    void attentionMemoryGrowsLinearlyWithTheSequence() {
        // a training forward of causal self-attention keeps its output and one log-sum-exp per row:
        // measured in bytes taken from the step arena, at two lengths
        MultiHeadAttention mha = new MultiHeadAttention(32, 4);
        long[] bytes = new long[2];
        int[] lengths = {512, 2048};
        for (int k = 0; k < 2; k++) {
            try (Arena arena = Arena.ofShared(); StepArena step = new StepArena()) {
                Tensor x = Tensor.zeros(arena, 1, lengths[k], 32);
                mha.forward(x, x, x, null, null, true, step);
                bytes[k] = step.bytesInUse();
            }
        }
        System.out.printf("causal self-attention forward, E=32, 4 heads: %d bytes at T=512, %d bytes at T=2048%n", bytes[0],
                bytes[1]);
        // 4 times the length: 4 times the memory (a T x T score matrix would be 16 times, 64 MB at 2048)
        assertThat(bytes[1]).as("bytes at T=2048 (%d) against T=512 (%d)", bytes[1], bytes[0]).isLessThan(5 * bytes[0]);
        assertThat(bytes[1]).isLessThan(4L * 2048 * 2048);
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> new MultiHeadAttention(10, 3)).hasMessageContaining("multiple of num_heads");
        MultiHeadAttention mha = new MultiHeadAttention(8, 2);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, 2, 5, 8);
            assertThatThrownBy(() -> mha.forward(x, x, x, null, Tensor.zeros(arena, 5, 4), false, arena))
                    .hasMessageContaining("attn_mask").hasMessageContaining("[5, 5]").hasMessageContaining("[5, 4]");
            assertThatThrownBy(() -> mha.forward(x, x, x, Tensor.zeros(arena, 3, 5), null, false, arena))
                    .hasMessageContaining("key_padding_mask").hasMessageContaining("[2, 5]");
            assertThatThrownBy(() -> mha.forward(Tensor.zeros(arena, 2, 5, 6), x, x, null, null, false, arena))
                    .hasMessageContaining("query").hasMessageContaining("[N, T, 8]");
            try (KvCache cache = new KvCache(3, 4)) {
                assertThatThrownBy(() -> mha.forwardCached(x, cache, arena)).hasMessageContaining("batch of 3");
            }
        }
    }
}
