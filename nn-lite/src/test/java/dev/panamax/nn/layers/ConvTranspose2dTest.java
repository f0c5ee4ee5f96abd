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
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.tensor.Tensor;

/**
 * ConvTranspose2d with an output padding that reaches the stride, which PyTorch allows below the
 * dilation (the output grows by a stride's worth of rows the input does not reach), against
 * PyTorch 1.13 in float64 (values in {@code src/test/resources/convtranspose2d}): the layer's
 * output and the gradients of its input, weight and bias, and the functional form's.
 */
class ConvTranspose2dTest {

    private static final int[] STRIDE = {2, 1};
    private static final int[] PADDING = {1, 1};
    private static final int[] OUTPUT_PADDING = {2, 1};
    private static final int[] DILATION = {3, 2};

    @Test
    void outputPaddingPastTheStrideBelowTheDilation() throws IOException {
        Map<String, float[]> v = TorchValues.read("/convtranspose2d/output_padding_below_dilation.txt");
        ConvTranspose2d conv = new ConvTranspose2d(3, 4,
                new ConvAttributes(new int[] {3, 2}, STRIDE, PADDING, DILATION, OUTPUT_PADDING, 1), true,
                new SplittableRandom(5));
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = Tensor.of(arena, v.get("weight"), 3, 4, 3, 2);
            Tensor b = Tensor.of(arena, v.get("bias"), 4);
            conv.loadStateDict(Map.of("weight", w, "bias", b));
            Tensor x = Tensor.of(arena, v.get("x"), 2, 3, 4, 5);
            Tensor gy = Tensor.of(arena, v.get("gy"), 2, 4, 13, 6);
            Tensor y = conv.forward(x, arena);
            assertThat(y.shape()).containsExactly(2, 4, 13, 6);
            assertClose("y", y.toFloatArray(), v.get("y"));
            Tensor gx = conv.backward(gy, arena);
            assertThat(gx.shape()).containsExactly(2, 3, 4, 5);
            assertClose("gradient of x", gx.toFloatArray(), v.get("gx"));
            assertClose("gradient of the weight", conv.namedParameters().get("weight").grad().toFloatArray(), v.get("g_weight"));
            assertClose("gradient of the bias", conv.namedParameters().get("bias").grad().toFloatArray(), v.get("g_bias"));

            assertClose("functional y", Convolution.convTranspose2d(x, w, b, STRIDE, PADDING, OUTPUT_PADDING, DILATION, 1,
                    arena).toFloatArray(), v.get("y"));
            Convolution.Grads g = Convolution.convTranspose2dBackward(x, w, true, gy, STRIDE, PADDING, OUTPUT_PADDING,
                    DILATION, 1, arena);
            assertClose("functional gradient of x", g.x().toFloatArray(), v.get("gx"));
            assertClose("functional gradient of the weight", g.weight().toFloatArray(), v.get("g_weight"));
        }
    }

    @Test
    void outputPaddingFromTheStrideAndTheDilationOnIsRefused() {
        assertThatThrownBy(() -> new ConvAttributes(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0},
                new int[] {2, 1}, new int[] {1, 2}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output_padding");
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, 1, 2, 3, 3);
            Tensor w = Tensor.zeros(arena, 2, 2, 3, 3);
            assertThatThrownBy(() -> Convolution.convTranspose2d(x, w, null, new int[] {2, 2}, new int[] {0, 0},
                    new int[] {3, 0}, new int[] {3, 1}, 1, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max(stride, dilation)");
        }
    }
}
