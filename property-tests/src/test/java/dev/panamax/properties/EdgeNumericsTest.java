package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.Attention;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.functional.SoftmaxFunctions;
import dev.panamax.nn.layers.GRU;
import dev.panamax.nn.layers.LSTM;
import dev.panamax.nn.tensor.Tensor;

/**
 * NaN and infinities at the edges, as PyTorch has them, one family at a time: NaN goes through
 * (a NaN in a pooling window, in a product, in an activation, in a recurrent step or an attention
 * row); infinities saturate where the function does; softmax, log-softmax and cross-entropy stay
 * finite for logits up to +-1e4; a row of only {@code -inf} logits gives NaN, as in PyTorch.
 */
class EdgeNumericsTest {

    private static final float NAN = Float.NaN;
    private static final float INF = Float.POSITIVE_INFINITY;

    @Test
    void activations() {
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.of(a, new float[] {NAN, INF, -INF, 0f}, 4);
            assertThat(Activations.forward(Activation.RELU, x, a).toFloatArray()).containsExactly(NAN, INF, 0f, 0f);
            assertThat(Activations.forward(Activation.SIGMOID, x, a).toFloatArray()).containsExactly(NAN, 1f, 0f, 0.5f);
            assertThat(Activations.forward(Activation.TANH, x, a).toFloatArray()).containsExactly(NAN, 1f, -1f, 0f);
            assertThat(Activations.forward(Activation.GELU, x, a).toFloatArray()[0]).isNaN();
            assertThat(Activations.forward(Activation.GELU, x, a).toFloatArray()[1]).isEqualTo(INF);
            assertThat(Activations.forward(Activation.SILU, x, a).toFloatArray()[0]).isNaN();
            assertThat(Activations.backward(Activation.RELU, x, Tensor.of(a, new float[] {1, 1, 1, 1}, 4), a).toFloatArray()[1])
                    .isEqualTo(1f);
        }
    }

    @Test
    void softmaxLogSoftmaxAndCrossEntropyStayFiniteAtTenThousand() {
        try (Arena a = Arena.ofConfined()) {
            Tensor big = Tensor.of(a, new float[] {1e4f, -1e4f, 0f, 1e4f - 1, 5e3f, -1e4f}, 2, 3);
            for (float v : SoftmaxFunctions.softmax(big, -1, a).toFloatArray()) {
                assertThat(v).isFinite();
            }
            for (float v : SoftmaxFunctions.logSoftmax(big, -1, a).toFloatArray()) {
                assertThat(v).isFinite();
            }
            Tensor target = Tensor.ofLongs(a, new long[] {1, 2}, 2);
            assertThat(Losses.crossEntropy(big, target, null, 0.1f, a).item()).isFinite().isCloseTo(2e4f * 0.9f + 0,
                    org.assertj.core.data.Offset.offset(2e4f));
            for (float v : Losses.crossEntropyBackward(big, target, null, 0f, 1f, a).toFloatArray()) {
                assertThat(v).isFinite();
            }
            // a row of -inf: NaN, as PyTorch; a row with one finite logit: one-hot
            Tensor rows = Tensor.of(a, new float[] {-INF, -INF, -INF, -INF, 2f, -INF}, 2, 3);
            float[] p = SoftmaxFunctions.softmax(rows, -1, a).toFloatArray();
            assertThat(p[0]).isNaN();
            assertThat(new float[] {p[3], p[4], p[5]}).containsExactly(0f, 1f, 0f);
            assertThat(SoftmaxFunctions.softmax(Tensor.of(a, new float[] {NAN, 1f}, 1, 2), -1, a).toFloatArray()[1]).isNaN();
        }
    }

    @Test
    void poolingProductsAndNormsPropagateNaN() {
        try (Arena a = Arena.ofConfined()) {
            float[] img = new float[16];
            img[5] = NAN;
            Tensor x = Tensor.of(a, img, 1, 1, 4, 4);
            float[] max = Pooling.maxPool2d(false, x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, a).y().toFloatArray();
            assertThat(max[0]).as("the window holding NaN").isNaN();
            assertThat(max[1]).isZero();
            assertThat(Pooling.maxPool2d(true, x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, a).y().toFloatArray()[0])
                    .isNaN();
            assertThat(Pooling.avgPool2d(x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, true, a).toFloatArray()[0])
                    .isNaN();
            assertThat(Pooling.globalMaxPool2d(x, a).y().item()).isNaN();
            float[] conv = Convolution.conv2d(x, Tensor.of(a, new float[] {1, 1, 1, 1}, 1, 1, 2, 2), null, new int[] {1, 1},
                    new int[] {0, 0}, new int[] {1, 1}, 1, a).toFloatArray();
            assertThat(conv[0]).isNaN();
            assertThat(conv[8]).isZero();
            Tensor m = Tensor.of(a, new float[] {NAN, 1, 2, 3, 4, 5}, 2, 3);
            float[] y = LinearAlgebra.linear(m, Tensor.of(a, new float[] {1, 0, 0, 0, 1, 0}, 2, 3), null, a).toFloatArray();
            assertThat(y[0]).isNaN();
            assertThat(y[1]).as("0 * NaN is NaN").isNaN();
            assertThat(y[2]).isEqualTo(3f);
            float[] ln = Normalization.layerNorm(m, new long[] {3}, null, null, 1e-5f, a).y().toFloatArray();
            assertThat(ln[0]).isNaN();
            assertThat(ln[3]).isFinite();
            float[] inf = Normalization.layerNorm(Tensor.of(a, new float[] {INF, 1, 2}, 1, 3), new long[] {3}, null, null, 1e-5f, a)
                    .y().toFloatArray();
            assertThat(inf[0]).as("layer norm of an infinite row").isNaN();
        }
    }

    @Test
    void recurrentAndAttentionPropagateNaN() {
        try (Arena a = Arena.ofConfined()) {
            float[] seq = new float[3 * 2 * 4];
            seq[4] = NAN;                                 // step 0, sequence 1
            Tensor x = Tensor.of(a, seq, 3, 2, 4);
            for (var layer : new dev.panamax.nn.layers.Recurrent[] {new LSTM(4, 5), new GRU(4, 5)}) {
                float[] y = layer.forward(x, null, null, null, a).y().toFloatArray();
                assertThat(y[5]).as(layer + ": sequence 1 after the NaN").isNaN();
                assertThat(y[2 * 10 + 5]).isNaN();
                assertThat(y[0]).as(layer + ": sequence 0 untouched").isFinite();
            }
            float[] q = new float[2 * 4];
            q[0] = NAN;
            Tensor qt = Tensor.of(a, q, 1, 1, 2, 4);
            Tensor kv = Tensor.of(a, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4);
            float[] y = Attention.scaledDotProduct(qt, kv, kv, null, null, false, null, a).y().toFloatArray();
            assertThat(y[0]).as("the query with a NaN").isNaN();
            assertThat(y[4]).isFinite();
            // a query whose every key is masked: NaN, as PyTorch
            Tensor mask = Tensor.of(a, new float[] {-INF, -INF, 0, 0}, 2, 2);
            float[] masked = Attention.scaledDotProduct(kv, kv, kv, mask, null, false, null, a).y().toFloatArray();
            assertThat(masked[0]).isNaN();
            assertThat(masked[4]).isFinite();
        }
    }
}
