package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.functional.Resampling.Mode;
import dev.panamax.nn.tensor.Tensor;

/**
 * Upsample (F.interpolate) against PyTorch 1.13 in float64, forward and backward: nearest and
 * bilinear, by scale factors (integer and not: PyTorch steps 1 / factor input pixels per output,
 * not H / Hout) and to sizes, align_corners, and a smaller output.
 */
class UpsampleTest {

    /** {@code ((arange(24) * 7 % 24) - 11) / 4} as {@code [1, 2, 3, 4]}. */
    static float[] input() {
        float[] x = new float[24];
        for (int i = 0; i < 24; i++) {
            x[i] = ((i * 7 % 24) - 11) / 4f;
        }
        return x;
    }

    @Test
    void nearestScale2() {
        check(new Upsample(2, Mode.NEAREST), 6, 8, new float[] {-2.75f, -2.75f, -1f, -1f, 0.75f, 0.75f, 2.5f, 2.5f,
            -2.75f, -2.75f, -1f, -1f, 0.75f, 0.75f, 2.5f, 2.5f,
            -1.75f, -1.75f, 0f, 0f, 1.75f, 1.75f, -2.5f, -2.5f,
            -1.75f, -1.75f, 0f, 0f, 1.75f, 1.75f, -2.5f, -2.5f,
            -0.75f, -0.75f, 1f, 1f, 2.75f, 2.75f, -1.5f, -1.5f,
            -0.75f, -0.75f, 1f, 1f, 2.75f, 2.75f, -1.5f, -1.5f,
            0.25f, 0.25f, 2f, 2f, -2.25f, -2.25f, -0.5f, -0.5f,
            0.25f, 0.25f, 2f, 2f, -2.25f, -2.25f, -0.5f, -0.5f,
            1.25f, 1.25f, 3f, 3f, -1.25f, -1.25f, 0.5f, 0.5f,
            1.25f, 1.25f, 3f, 3f, -1.25f, -1.25f, 0.5f, 0.5f,
            2.25f, 2.25f, -2f, -2f, -0.25f, -0.25f, 1.5f, 1.5f,
            2.25f, 2.25f, -2f, -2f, -0.25f, -0.25f, 1.5f, 1.5f},
            new float[] {-2f, 0f, 2f, -1.25f, 0f, 2f, -1.25f, -1f,
            2f, -1.25f, -1f, 1f, -1.25f, -1f, 1f, 1.25f,
            -1f, 1f, 1.25f, -2f, 1f, 1.25f, -2f, 0f});
    }

    @Test
    void nearestScale1_5() {
        check(new Upsample(1.5, Mode.NEAREST), 4, 6, new float[] {-2.75f, -2.75f, -1f, 0.75f, 0.75f, 2.5f, -2.75f, -2.75f,
            -1f, 0.75f, 0.75f, 2.5f, -1.75f, -1.75f, 0f, 1.75f,
            1.75f, -2.5f, -0.75f, -0.75f, 1f, 2.75f, 2.75f, -1.5f,
            0.25f, 0.25f, 2f, -2.25f, -2.25f, -0.5f, 0.25f, 0.25f,
            2f, -2.25f, -2.25f, -0.5f, 1.25f, 1.25f, 3f, -1.25f,
            -1.25f, 0.5f, 2.25f, 2.25f, -2f, -0.25f, -0.25f, 1.5f},
            new float[] {-1.25f, -0.75f, 0f, 0.75f, 1.25f, -0.75f, -0.75f, 0f,
            0.75f, 0.75f, -1.25f, -0.25f, 0f, 0.75f, 1.25f, -1.25f,
            -0.75f, 0f, 0.75f, 0.75f, -1.25f, -0.25f, 0.25f, 0.5f});
    }

    @Test
    void nearestSize() {
        check(Upsample.toSize(5, 3, Mode.NEAREST, false), 5, 3, new float[] {-2.75f, -1f, 0.75f, -2.75f, -1f, 0.75f, -1.75f, 0f,
            1.75f, -1.75f, 0f, 1.75f, -0.75f, 1f, 2.75f, 0.25f,
            2f, -2.25f, 0.25f, 2f, -2.25f, 1.25f, 3f, -1.25f,
            1.25f, 3f, -1.25f, 2.25f, -2f, -0.25f},
            new float[] {-0.75f, -0.25f, 0.25f, 0f, 0.5f, -0.75f, -0.25f, 0f,
            0.5f, 0.75f, -0.75f, 0f, -0.25f, 0.25f, 0.75f, 0f,
            -0.75f, -0.25f, 0.25f, 0f, 0.75f, -0.75f, -0.5f, 0f});
    }

    @Test
    void bilinearScale2() {
        check(new Upsample(2, Mode.BILINEAR), 6, 8, new float[] {-2.75f, -2.3125f, -1.4375f, -0.5625f, 0.3125f, 1.1875f, 2.0625f, 2.5f,
            -2.5f, -2.0625f, -1.1875f, -0.3125f, 0.5625f, 1.0625f, 1.1875f, 1.25f,
            -2f, -1.5625f, -0.6875f, 0.1875f, 1.0625f, 0.8125f, -0.5625f, -1.25f,
            -1.5f, -1.0625f, -0.1875f, 0.6875f, 1.5625f, 0.9375f, -1.1875f, -2.25f,
            -1f, -0.5625f, 0.3125f, 1.1875f, 2.0625f, 1.4375f, -0.6875f, -1.75f,
            -0.75f, -0.3125f, 0.5625f, 1.4375f, 2.3125f, 1.6875f, -0.4375f, -1.5f,
            0.25f, 0.6875f, 1.5625f, 0.9375f, -1.1875f, -1.8125f, -0.9375f, -0.5f,
            0.5f, 0.9375f, 1.8125f, 1.1875f, -0.9375f, -1.5625f, -0.6875f, -0.25f,
            1f, 1.4375f, 2.3125f, 1.6875f, -0.4375f, -1.0625f, -0.1875f, 0.25f,
            1.5f, 1.5625f, 1.6875f, 1.0625f, -0.3125f, -0.5625f, 0.3125f, 0.75f,
            2f, 1.3125f, -0.0625f, -0.6875f, -0.5625f, -0.0625f, 0.8125f, 1.25f,
            2.25f, 1.1875f, -0.9375f, -1.5625f, -0.6875f, 0.1875f, 1.0625f, 1.5f},
            new float[] {-1.75f, 0.125f, 1.359375f, -0.921875f, 0.125f, 1.234375f, -0.59375f, -1.015625f,
            1.5625f, -0.609375f, -1.015625f, 0.75f, -1f, -0.875f, 1.015625f, 0.921875f,
            -0.875f, 0.890625f, 0.59375f, -1.359375f, 1f, 0.796875f, -1.359375f, -0.25f});
    }

    @Test
    void bilinearScale1_5() {
        check(new Upsample(1.5, 2.5, Mode.BILINEAR, false), 4, 10, new float[] {-2.75f, -2.575f, -1.875f, -1.175f, -0.475f, 0.225f, 0.925f, 1.625f,
            2.325f, 2.5f, -2.25f, -2.075f, -1.375f, -0.675f, 0.025f, 0.725f,
            1.125f, 0.625f, 0.125f, 2.22044605e-16f, -1.58333333f, -1.40833333f, -0.708333333f, -0.00833333333f,
            0.691666667f, 1.39166667f, 1.49166667f, -0.208333333f, -1.90833333f, -2.33333333f, -0.916666667f, -0.741666667f,
            -0.0416666667f, 0.658333333f, 1.35833333f, 2.05833333f, 2.15833333f, 0.458333333f, -1.24166667f, -1.66666667f,
            0.25f, 0.425f, 1.125f, 1.825f, 0.725f, -0.975f, -2.075f, -1.375f,
            -0.675f, -0.5f, 0.75f, 0.925f, 1.625f, 2.325f, 1.225f, -0.475f,
            -1.575f, -0.875f, -0.175f, -2.77555756e-17f, 1.41666667f, 1.49166667f, 1.79166667f, 2.09166667f,
            1.19166667f, -0.108333333f, -0.908333333f, -0.208333333f, 0.491666667f, 0.666666667f, 2.08333333f, 1.75833333f,
            0.458333333f, -0.841666667f, -0.941666667f, -0.641666667f, -0.241666667f, 0.458333333f, 1.15833333f, 1.33333333f},
            new float[] {-1.05f, 0.2875f, 0.2875f, -0.65f, 0.0958333333f, -0.1125f, 0.2375f, -0.2625f,
            -0.0958333333f, 0.65f, -0.575f, -0.0625f, 0.4f, -0.5375f, 0.3375f, -0.075f,
            0.2625f, -0.15f, -0.15f, 0.6625f, -0.9375f, 0.0125f, 0.5375f, -0.6125f});
    }

    @Test
    void bilinearSizeAligned() {
        check(Upsample.toSize(5, 7, Mode.BILINEAR, true), 5, 7, new float[] {-2.75f, -1.875f, -1f, -0.125f, 0.75f, 1.625f, 2.5f, -2.25f,
            -1.375f, -0.5f, 0.375f, 1.25f, 0.625f, 0f, -1.75f, -0.875f,
            0f, 0.875f, 1.75f, -0.375f, -2.5f, -1.25f, -0.375f, 0.5f,
            1.375f, 2.25f, 0.125f, -2f, -0.75f, 0.125f, 1f, 1.875f,
            2.75f, 0.625f, -1.5f, 0.25f, 1.125f, 2f, -0.125f, -2.25f,
            -1.375f, -0.5f, 0.75f, 1.625f, 2.5f, 0.375f, -1.75f, -0.875f,
            0f, 1.25f, 2.125f, 3f, 0.875f, -1.25f, -0.375f, 0.5f,
            1.75f, 1.125f, 0.5f, -0.125f, -0.75f, 0.125f, 1f, 2.25f,
            0.125f, -2f, -1.125f, -0.25f, 0.625f, 1.5f},
            new float[] {-1.5f, -0.75f, 0.75f, 1.5f, -2f, -1f, 1f, 2f,
            -1.5f, -0.75f, 0.75f, 1.5f, -1.5f, -0.75f, 0.75f, 1.5f,
            -2f, -1f, 1f, 2f, -1.5f, -0.75f, 0.75f, 1.5f});
    }

    @Test
    void bilinearDownsample() {
        check(Upsample.toSize(2, 3, Mode.BILINEAR, false), 2, 3, new float[] {-2.20833333f, 0.125f, 1.20833333f, -0.708333333f, 1.625f, -1.04166667f, 0.791666667f, 0.125f,
            -0.541666667f, 1.54166667f, -0.625f, 0.958333333f},
            new float[] {-0.46875f, -0.28125f, -0.21875f, -0.15625f, -0.15625f, -0.0625f, -0.0208333333f, 0.0520833333f,
            0f, 0.09375f, 0.15625f, 0.3125f, 0.46875f, -0.1875f, -0.34375f, -0.3125f,
            0.104166667f, -0.0729166667f, -0.104166667f, -0.0520833333f, -0.15625f, -0.03125f, 0.03125f, 0.15625f});
    }

    @Test
    void oneImageAndRefusals() {
        try (Arena arena = Arena.ofConfined()) {
            Upsample up = new Upsample(2, Mode.NEAREST);
            assertThat(up.forward(Tensor.of(arena, input(), 2, 3, 4), arena).shape()).containsExactly(2, 6, 8);
            assertThatThrownBy(() -> new Upsample(2, 2, Mode.NEAREST, true)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("align_corners");
            assertThatThrownBy(() -> new Upsample(0, Mode.BILINEAR)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("scale_factor");
            assertThat(new Upsample(0.5, Mode.BILINEAR).forward(Tensor.of(arena, input(), 1, 2, 3, 4), arena).shape())
                    .containsExactly(1, 2, 1, 2);
        }
    }

    private static void check(Upsample up, int oh, int ow, float[] y, float[] gx) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor out = up.forward(Tensor.of(arena, input(), 1, 2, 3, 4), arena);
            assertThat(out.shape()).containsExactly(1, 2, oh, ow);
            assertClose(out.toFloatArray(), y);
            float[] gy = new float[2 * oh * ow];
            for (int i = 0; i < gy.length; i++) {
                gy[i] = (i % 7 - 3) / 4f;
            }
            assertClose(up.backward(Tensor.of(arena, gy, 1, 2, oh, ow), arena).toFloatArray(), gx);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5f));
        }
    }
}
