package dev.panamax.nn.layers;

import static dev.panamax.nn.TorchValues.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;

import dev.panamax.nn.tensor.Tensor;

/**
 * ConvTranspose1d against PyTorch 1.13 in float64 (values in {@code src/test/resources/convtranspose1d}):
 * stride, padding, output padding (also past the stride, below the dilation), dilation and groups, with and
 * without bias, one unbatched
 * sequence; the output and the gradients of the input, weight and bias agree within 2e-6.
 */
class ConvTranspose1dTest {

    @Test
    void stridedGroupedDilated() throws IOException {
        check("strided_grouped_dilated");
    }

    @Test
    void plainUnbatchedWithoutBias() throws IOException {
        check("plain_unbatched_nobias");
    }

    @Test
    void strideThreeWithOutputPadding() throws IOException {
        check("stride3_padding2");
    }

    /** PyTorch takes an output padding below the stride or the dilation: here 3 with stride 2 and dilation 4. */
    @Test
    void outputPaddingPastTheStrideBelowTheDilation() throws IOException {
        check("output_padding_below_dilation");
    }

    @Test
    void misuseIsRefused() {
        assertThatThrownBy(() -> new ConvTranspose1d(4, 6, 3, 2, 1, 2, 1, 1, true, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output_padding");
        assertThatThrownBy(() -> new ConvTranspose1d(4, 6, 3, 1, 0, 0, 1, 4, true, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groups=4");
        ConvTranspose1d conv = new ConvTranspose1d(4, 6, 3, 2, 1);
        assertThat(conv.namedParameters().get("weight").value().shape()).containsExactly(4, 6, 3);
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> conv.forward(Tensor.zeros(arena, 2, 3, 5), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[*, 4, *]");
        }
    }

    private static void check(String name) throws IOException {
        Map<String, float[]> v = TorchValues.read("/convtranspose1d/" + name + ".txt");
        float[] c = v.get("config");
        int cin = (int) c[0];
        int cout = (int) c[1];
        int k = (int) c[2];
        int groups = (int) c[7];
        boolean bias = c[8] != 0;
        int n = (int) c[9];
        int length = (int) c[10];
        ConvTranspose1d conv = new ConvTranspose1d(cin, cout, k, (int) c[3], (int) c[4], (int) c[5], (int) c[6], groups, bias,
                new SplittableRandom(3));
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> state = new HashMap<>();
            state.put("weight", Tensor.of(arena, v.get("weight"), cin, cout / groups, k));
            if (bias) {
                state.put("bias", Tensor.of(arena, v.get("bias"), cout));
            }
            conv.loadStateDict(state);
            long[] xShape = n == 0 ? new long[] {cin, length} : new long[] {n, cin, length};
            float[] ys = v.get("y_shape");
            long[] yShape = new long[ys.length];
            for (int i = 0; i < ys.length; i++) {
                yShape[i] = (long) ys[i];
            }
            Tensor y = conv.forward(Tensor.of(arena, v.get("x"), xShape), arena);
            assertThat(y.shape()).containsExactly(yShape);
            assertClose("y", y.toFloatArray(), v.get("y"));
            Tensor gx = conv.backward(Tensor.of(arena, v.get("gy"), yShape), arena);
            assertThat(gx.shape()).containsExactly(xShape);
            assertClose("gradient of x", gx.toFloatArray(), v.get("gx"));
            assertClose("gradient of the weight", conv.namedParameters().get("weight").grad().toFloatArray(), v.get("g_weight"));
            if (bias) {
                assertClose("gradient of the bias", conv.namedParameters().get("bias").grad().toFloatArray(), v.get("g_bias"));
            }
        }
    }
}
