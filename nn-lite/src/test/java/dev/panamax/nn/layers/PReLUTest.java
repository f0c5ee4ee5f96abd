package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/** PReLU against PyTorch 1.13 in float64: a slope per channel and one shared, output and both gradients. */
class PReLUTest {

    /** {@code ((arange(24) * 7 % 24) - 11) / 4} as {@code [2, 3, 2, 2]}. */
    private static float[] input() {
        float[] x = new float[24];
        for (int i = 0; i < 24; i++) {
            x[i] = ((i * 7 % 24) - 11) / 4f;
        }
        return x;
    }

    @Test
    void perChannel() {
        check(new float[] {0.1f, 0.5f, -0.2f}, new float[] {-0.275000004f, -0.100000001f, 0.75f, 2.5f, -0.875f, 0f, 1.75f, -1.25f,
            0.150000002f, 1f, 2.75f, 0.300000004f, 0.25f, 2f, -0.225000003f, -0.0500000007f,
            1.25f, 3f, -0.625f, 0.5f, 2.25f, 0.400000006f, 0.0500000007f, 1.5f},
            new float[] {-0.0666666677f, -0.0333333338f, 0f, 0.333333333f, 0.333333333f, -0.333333333f, -0.333333333f, 0f,
            -0.0666666677f, 0.666666667f, -0.666666667f, 0.0666666677f, 0f, 0.333333333f, 0.0666666677f, -0.0666666677f,
            -0.333333333f, 0f, 0.166666667f, 0.666666667f, -0.666666667f, 0.0666666677f, -0f, 0.333333333f},
            new float[] {1f, -1.58333333f, 0.916666667f});
    }

    @Test
    void shared() {
        check(new float[] {0.3f}, new float[] {-0.825000033f, -0.300000012f, 0.75f, 2.5f, -0.525000021f, 0f, 1.75f, -0.75000003f,
            -0.225000009f, 1f, 2.75f, -0.450000018f, 0.25f, 2f, -0.675000027f, -0.150000006f,
            1.25f, 3f, -0.375000015f, 0.5f, 2.25f, -0.600000024f, -0.075000003f, 1.5f},
            new float[] {-0.200000008f, -0.100000004f, 0f, 0.333333333f, 0.200000008f, -0.200000008f, -0.333333333f, 0f,
            0.100000004f, 0.666666667f, -0.666666667f, -0.100000004f, 0f, 0.333333333f, 0.200000008f, -0.200000008f,
            -0.333333333f, 0f, 0.100000004f, 0.666666667f, -0.666666667f, -0.100000004f, 0f, 0.333333333f},
            new float[] {0.333333333f});
    }

    @Test
    void aSlopeCountOtherThanOneOrTheChannelsIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> new PReLU(2, 0.25f).forward(Tensor.of(arena, input(), 2, 3, 2, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[C] = [3]");
        }
    }

    private static void check(float[] slopes, float[] y, float[] gx, float[] gw) {
        try (Arena arena = Arena.ofConfined()) {
            PReLU prelu = new PReLU(slopes.length, 0.25f);
            prelu.loadStateDict(Map.of("weight", Tensor.of(arena, slopes, slopes.length)));
            Tensor out = prelu.forward(Tensor.of(arena, input(), 2, 3, 2, 2), arena);
            assertClose(out.toFloatArray(), y);
            float[] gy = new float[24];
            for (int i = 0; i < 24; i++) {
                gy[i] = (i % 5 - 2) / 3f;
            }
            assertClose(prelu.backward(Tensor.of(arena, gy, 2, 3, 2, 2), arena).toFloatArray(), gx);
            assertClose(prelu.parameters().get(0).grad().toFloatArray(), gw);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6f));
        }
    }
}
