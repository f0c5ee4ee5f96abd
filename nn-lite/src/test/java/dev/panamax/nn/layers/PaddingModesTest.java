package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.functional.Padding;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code F.pad} in its four modes, {@code Conv2d(padding_mode=...)} and {@code padding="same"} against PyTorch 1.13
 * (float64; the expected values below were printed by it for these inputs), forward and backward.
 */
class PaddingModesTest {

    /** {@code ((arange(24) * 5 % 24) - 11) / 4} as {@code [2, 1, 3, 4]}. */
    private static float[] padInput() {
        float[] x = new float[24];
        for (int i = 0; i < 24; i++) {
            x[i] = ((i * 5 % 24) - 11) / 4f;
        }
        return x;
    }

    /** An upstream gradient of {@code shape}'s size: {@code (arange % period - offset) / divisor}. */
    private static float[] upstream(int n, int period, int offset, float divisor) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (i % period - offset) / divisor;
        }
        return g;
    }

    @Test
    void padConstant() {
        checkPad(PadMode.CONSTANT, new float[] {1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f,
            1.5f, -2.75f, -1.5f, -0.25f, 1f, 1.5f, 1.5f, 1.5f,
            2.25f, -2.5f, -1.25f, 0f, 1.5f, 1.5f, 1.5f, 1.25f,
            2.5f, -2.25f, -1f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f,
            1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f,
            1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f,
            1.5f, 1.5f, 1.5f, 0.25f, 1.5f, 2.75f, -2f, 1.5f,
            1.5f, 1.5f, -0.75f, 0.5f, 1.75f, 3f, 1.5f, 1.5f,
            1.5f, -1.75f, -0.5f, 0.75f, 2f, 1.5f, 1.5f, 1.5f,
            1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f,
            1.5f, 1.5f, 1.5f, 1.5f},
            new float[] {-0.5f, 0f, 0.5f, 1f, -0.5f, 0f, 0.5f, 1f,
            -0.5f, 0f, 0.5f, 1f, -0.5f, 0f, 0.5f, 1f,
            -0.5f, 0f, 0.5f, 1f, -0.5f, 0f, 0.5f, 1f});
    }

    @Test
    void padReflect() {
        checkPad(PadMode.REFLECT, new float[] {-1.25f, -2.5f, 2.25f, -2.5f, -1.25f, 0f, -1.25f, -0.25f,
            -1.5f, -2.75f, -1.5f, -0.25f, 1f, -0.25f, -1.25f, -2.5f,
            2.25f, -2.5f, -1.25f, 0f, -1.25f, -2.25f, 2.5f, 1.25f,
            2.5f, -2.25f, -1f, -2.25f, -1.25f, -2.5f, 2.25f, -2.5f,
            -1.25f, 0f, -1.25f, -0.25f, -1.5f, -2.75f, -1.5f, -0.25f,
            1f, -0.25f, 1.75f, 0.5f, -0.75f, 0.5f, 1.75f, 3f,
            1.75f, 2.75f, 1.5f, 0.25f, 1.5f, 2.75f, -2f, 2.75f,
            1.75f, 0.5f, -0.75f, 0.5f, 1.75f, 3f, 1.75f, 0.75f,
            -0.5f, -1.75f, -0.5f, 0.75f, 2f, 0.75f, 1.75f, 0.5f,
            -0.75f, 0.5f, 1.75f, 3f, 1.75f, 2.75f, 1.5f, 0.25f,
            1.5f, 2.75f, -2f, 2.75f},
            new float[] {-1f, -2f, 1f, 2f, -1.5f, -3f, 1.5f, 3f,
            -0.5f, -1f, 0.5f, 1f, -1f, -2f, 1f, 2f,
            -1.5f, -3f, 1.5f, 3f, -0.5f, -1f, 0.5f, 1f});
    }

    @Test
    void padReplicate() {
        checkPad(PadMode.REPLICATE, new float[] {-2.75f, -2.75f, -2.75f, -1.5f, -0.25f, 1f, 1f, -2.75f,
            -2.75f, -2.75f, -1.5f, -0.25f, 1f, 1f, 2.25f, 2.25f,
            2.25f, -2.5f, -1.25f, 0f, 0f, 1.25f, 1.25f, 1.25f,
            2.5f, -2.25f, -1f, -1f, 1.25f, 1.25f, 1.25f, 2.5f,
            -2.25f, -1f, -1f, 1.25f, 1.25f, 1.25f, 2.5f, -2.25f,
            -1f, -1f, 0.25f, 0.25f, 0.25f, 1.5f, 2.75f, -2f,
            -2f, 0.25f, 0.25f, 0.25f, 1.5f, 2.75f, -2f, -2f,
            -0.75f, -0.75f, -0.75f, 0.5f, 1.75f, 3f, 3f, -1.75f,
            -1.75f, -1.75f, -0.5f, 0.75f, 2f, 2f, -1.75f, -1.75f,
            -1.75f, -0.5f, 0.75f, 2f, 2f, -1.75f, -1.75f, -1.75f,
            -0.5f, 0.75f, 2f, 2f},
            new float[] {-6f, 0f, 1f, 5f, -3f, 0f, 0.5f, 2.5f,
            -9f, 0f, 1.5f, 7.5f, -6f, 0f, 1f, 5f,
            -3f, 0f, 0.5f, 2.5f, -9f, 0f, 1.5f, 7.5f});
    }

    @Test
    void padCircular() {
        checkPad(PadMode.CIRCULAR, new float[] {-2.25f, -1f, 1.25f, 2.5f, -2.25f, -1f, 1.25f, -0.25f,
            1f, -2.75f, -1.5f, -0.25f, 1f, -2.75f, -1.25f, 0f,
            2.25f, -2.5f, -1.25f, 0f, 2.25f, -2.25f, -1f, 1.25f,
            2.5f, -2.25f, -1f, 1.25f, -0.25f, 1f, -2.75f, -1.5f,
            -0.25f, 1f, -2.75f, -1.25f, 0f, 2.25f, -2.5f, -1.25f,
            0f, 2.25f, 0.75f, 2f, -1.75f, -0.5f, 0.75f, 2f,
            -1.75f, 2.75f, -2f, 0.25f, 1.5f, 2.75f, -2f, 0.25f,
            1.75f, 3f, -0.75f, 0.5f, 1.75f, 3f, -0.75f, 0.75f,
            2f, -1.75f, -0.5f, 0.75f, 2f, -1.75f, 2.75f, -2f,
            0.25f, 1.5f, 2.75f, -2f, 0.25f, 1.75f, 3f, -0.75f,
            0.5f, 1.75f, 3f, -0.75f},
            new float[] {2f, 0f, -2f, 0f, 2f, 0f, -2f, 0f,
            2f, 0f, -2f, 0f, 2f, 0f, -2f, 0f,
            2f, 0f, -2f, 0f, 2f, 0f, -2f, 0f});
    }

    private static void checkPad(PadMode mode, float[] y, float[] gx) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, padInput(), 2, 1, 3, 4);
            int[] pad = {2, 1, 1, 2};
            Tensor out = Padding.pad(x, pad, mode, 1.5f, arena);
            assertThat(out.shape()).containsExactly(2, 1, 6, 7);
            assertClose(out.toFloatArray(), y);
            Tensor g = Padding.padBackward(x, Tensor.of(arena, upstream(84, 7, 3, 2f), 2, 1, 6, 7), pad, mode, arena);
            assertClose(g.toFloatArray(), gx);
        }
    }

    @Test
    void convolutionWithPaddingModeReflect() {
        checkConv(PadMode.REFLECT, new float[] {-2.33f, -0.649999999f, -7.83f, 6.99f, -3.58f, -7.4f, -4.58f, 4.74f,
            -2.63f, 7.05f, 7.87f, 3.69f, -2.36f, -4.46f, 4.92f, -3.48f,
            5.39f, -2.21f, 3.67f, -10.23f, 7.24f, -0.360000003f, -5.48f, -5.88f,
            4.89000001f, 6.57000001f, 1.73000001f, 3.05000001f, -8.05999999f, 1.62000001f, -6.71999999f, 2.60000001f,
            -10.71f, -1.02999999f, -2.36999999f, 6.95000001f},
            new float[] {-0.5f, -0.866666667f, -0.1f, 0.6f, 0.966666667f, 3.63333333f, 0.733333333f, 0.916666667f,
            0.566666667f, -3.75f, -0.566666667f, -0.933333333f, 0.766666667f, 0.616666667f, 0.0666666667f, 0.6f,
            0.433333333f, -1.58333333f, -0.766666667f, 2.11666667f, 0.0333333333f, 0.583333333f, 0.8f, -0.866666667f,
            -0.5f, -2f, -0.566666667f, 0.2f, -0.3f, 0.966666667f, 0.333333333f, 1.93333333f,
            1.36666667f, 0.716666667f, 1.11022302e-16f, 0.933333333f, 1.46666667f, -1.18333333f, -1.93333333f, -0.683333333f,
            0f, -3.76666667f, -2.33333333f, 3.58333333f, 1.96666667f, 0.783333333f, 1.33333333f, 1.85f,
            -0.566666667f, -2f},
            new float[] {-3.6f, -3.1f, -2.6f, 4.23333333f, 4.73333333f, 0.233333333f, -2.6f, -3.76666667f,
            -3.26666667f, 2.23333333f, 4.4f, 1.56666667f, -4.93333333f, -1.1f, 1.06666667f, 1.56666667f,
            5.4f, 2.56666667f, 3.26666667f, -0.566666667f, 0.6f, 0.433333333f, -1.73333333f, 1.1f,
            4.6f, 2.43333333f, 0.266666667f, -2.56666667f, -1.4f, 1.43333333f, 2.93333333f, 0.766666667f,
            -3.06666667f, -4.56666667f, -5.06666667f, 1.1f, -1.2f, 3.8f, 2.13333333f, -0.533333333f,
            -0.533333333f, -2.2f, -2.86666667f, -1.2f, -1.2f, 2.13333333f, -1.2f, -4.53333333f,
            1.13333333f, -2.2f, 1.13333333f, 3.8f, 3.8f, -1.2f},
            new float[] {-1f, 0.333333333f, -1.11022302e-16f});
    }

    @Test
    void convolutionWithPaddingModeCircular() {
        checkConv(PadMode.CIRCULAR, new float[] {4.405f, -1.125f, -2.805f, 4.465f, 11.38f, -7.4f, -4.58f, 3.69f,
            -5.645f, 8.325f, 5.895f, -2.585f, -3.365f, 2.265f, 3.645f, -4.475f,
            -8.09f, -2.21f, 3.67f, -3.45f, 1.435f, -0.435000003f, 0.194999997f, 3.325f,
            -1.96499999f, 2.94500001f, 3.60500001f, 3.31500001f, -3.53999999f, 1.62000001f, -6.71999999f, 7.49000001f,
            0.135000012f, -2.45499999f, -2.54499999f, -5.08499999f},
            new float[] {-1.26666667f, -1.1f, 1.5f, 0.533333333f, 1.53333333f, 3.43333333f, -0.666666667f, 1.01666667f,
            -1.03333333f, -2.25f, -0.283333333f, -0.733333333f, -0.5f, 1.13333333f, 0.333333333f, 0.483333333f,
            -1.75f, 2.13333333f, -1.71666667f, 0.55f, 0.933333333f, 2.35f, -0.85f, 0.533333333f,
            -1.31666667f, -1.56666667f, -2.45f, 0.45f, -0.366666667f, 1.98333333f, -1.06666667f, 2.33333333f,
            0.566666667f, 2.41666667f, -1.5f, 0.166666667f, 0.916666667f, -2f, -0.666666667f, 0.183333333f,
            1.98333333f, -1f, -0.566666667f, 0.233333333f, -0.95f, -0.266666667f, 1f, 1.7f,
            0.533333333f, 0.0333333333f},
            new float[] {-3.7f, -1.06666667f, -1.26666667f, 4.46666667f, 2.1f, -1.43333333f, 0.966666667f, 1.93333333f,
            -3.26666667f, 0.466666667f, 1.43333333f, 1.23333333f, -4.7f, 2.93333333f, 1.06666667f, -1.53333333f,
            -3.9f, 2.56666667f, 1.06666667f, -1.53333333f, -1.13333333f, -0.266666667f, 0.466666667f, 2.53333333f,
            4.23333333f, -3.36666667f, 0.366666667f, 0.233333333f, 0.966666667f, 1.36666667f, 2.23333333f, 1.3f,
            -3.3f, -3.26666667f, 2.46666667f, 1.2f, -4f, 1.16666667f, 6f, 0.166666667f,
            0.333333333f, -4.83333333f, -5.66666667f, -0.5f, -0.666666667f, 2.66666667f, -0.5f, -4f,
            1.83333333f, -3f, 1.83333333f, 2.66666667f, 4.5f, -0.666666667f},
            new float[] {-1f, 0.333333333f, -1.11022302e-16f});
    }

    @Test
    void convolutionWithPaddingModeReplicate() {
        checkConv(PadMode.REPLICATE, new float[] {8.8f, 6.175f, -2.755f, -2.81f, 1.975f, -7.4f, -4.58f, 3.865f,
            4f, 6.125f, 7.945f, -0.859999999f, -2.3f, -3.035f, 0.094999997f, 1.21f,
            -3.725f, -2.21f, 3.67f, -0.215000003f, -0.350000003f, -0.835000003f, -4.955f, -3.59f,
            0.900000012f, 3.94500001f, 1.85500001f, -1.52999999f, 0.825000012f, 1.62000001f, -6.71999999f, -1.60499999f,
            0.150000012f, -1.05499999f, -1.39499999f, 4.47000001f},
            new float[] {1.6f, 0.866666667f, -0.216666667f, 0.916666667f, -1.46666667f, 1.3f, -0.166666667f, 1.01666667f,
            -0.433333333f, -1.21666667f, 0.5f, -1.2f, -0.5f, 0.333333333f, 0.816666667f, -1.1f,
            -0.233333333f, 2.13333333f, -0.166666667f, -0.933333333f, 0.25f, 0.733333333f, 0.866666667f, -0.6f,
            -0.1f, -0.5f, -0.333333333f, 0.0833333333f, -0.283333333f, 0.933333333f, -0.2f, 1.03333333f,
            0.566666667f, 1.51666667f, -0.166666667f, 2.3f, 0.6f, -2f, -1.16666667f, -1.13333333f,
            -1.85f, -0.533333333f, -0.566666667f, 1.03333333f, 1.61666667f, -0.35f, 0.133333333f, 2.06666667f,
            1.2f, -1.9f},
            new float[] {-0.0666666667f, 0.666666667f, -0.266666667f, 5.43333333f, 4.5f, 0.233333333f, 1.93333333f, 1f,
            -3.26666667f, -0.9f, 1.5f, 0.566666667f, -2.06666667f, 0.333333333f, -0.6f, -0.566666667f,
            0.166666667f, -0.766666667f, 0.166666667f, -0.8f, -0.1f, -1.5f, -0.8f, 1.56666667f,
            2f, -0.633333333f, 1.73333333f, 2.66666667f, 3.36666667f, 0.733333333f, 2.66666667f, 3.36666667f,
            0.733333333f, -0.5f, -1.46666667f, -0.766666667f, -1.43333333f, 1.9f, 1.9f, -1.93333333f,
            -1.93333333f, -3.6f, -3.1f, -1.43333333f, -3.1f, 0.233333333f, -3.1f, -1.43333333f,
            1.4f, -1.93333333f, -0.266666667f, -1.43333333f, 1.9f, 1.9f},
            new float[] {-1f, 0.333333333f, -1.11022302e-16f});
    }

    /** Conv2d(2, 3, 3, stride=2, padding=(1, 2), padding_mode) on {@code [1, 2, 5, 5]}: output {@code [1, 3, 3, 4]}. */
    private static void checkConv(PadMode mode, float[] y, float[] gx, float[] gw, float[] gb) {
        try (Arena arena = Arena.ofConfined()) {
            ConvAttributes attrs = new ConvAttributes(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 2}, new int[] {1, 1},
                    new int[] {0, 0}, 1);
            Conv2d conv = new Conv2d(2, 3, attrs, true, Init.generator(), mode);
            float[] w = new float[54];
            for (int i = 0; i < 54; i++) {
                w[i] = ((i * 11 % 54) - 27) / 20f;
            }
            conv.loadStateDict(Map.of("weight", Tensor.of(arena, w, 3, 2, 3, 3),
                    "bias", Tensor.of(arena, new float[] {0.1f, -0.2f, 0.3f}, 3)));
            float[] xs = new float[50];
            for (int i = 0; i < 50; i++) {
                xs[i] = ((i * 7 % 50) - 25) / 10f;
            }
            Tensor out = conv.forward(Tensor.of(arena, xs, 1, 2, 5, 5), arena);
            assertThat(out.shape()).containsExactly(1, 3, 3, 4);
            assertClose(out.toFloatArray(), y);
            Tensor g = conv.backward(Tensor.of(arena, upstream(36, 5, 2, 3f), 1, 3, 3, 4), arena);
            assertClose(g.toFloatArray(), gx);
            assertClose(conv.weight().grad().toFloatArray(), gw);
            assertClose(conv.bias().grad().toFloatArray(), gb);
            assertThat(conv.toString()).contains("padding_mode=" + mode.pytorchName());
        }
    }

    @Test
    void layersAndRefusals() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, padInput(), 2, 1, 3, 4);
            assertThat(new ReflectionPad2d(2, 1, 1, 2).forward(x, arena).toFloatArray())
                    .containsExactly(Padding.pad(x, new int[] {2, 1, 1, 2}, PadMode.REFLECT, 0f, arena).toFloatArray());
            Tensor one = Tensor.of(arena, padInput(), 2, 3, 4);     // one image [C, H, W]
            assertThat(new ZeroPad2d(1).forward(one, arena).shape()).containsExactly(2, 5, 6);
            assertThat(new ConstantPad2d(1, 0, 0, 0, 7f).forward(x, arena).toFloatArray()[0]).isEqualTo(7f);
            assertThatThrownBy(() -> new ReflectionPad2d(3).forward(x, arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("below the input's size");
            assertThatThrownBy(() -> new Pad2d(new int[] {1, -1, 0, 0}, PadMode.CONSTANT, 0f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
            assertThatThrownBy(() -> Padding.pad(x, new int[] {1, 1, 1}, PadMode.CONSTANT, 0f, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{left, right, top, bottom}");
            assertThat(PadMode.of("zeros")).isEqualTo(PadMode.CONSTANT);
            assertThat(new ReplicationPad2d(1).toString()).isEqualTo("ReplicationPad2d([1, 1, 1, 1])");
        }
    }

    @Test
    void samePaddingWithAnEvenKernelPadsOneMoreAtTheBottomAndRight() {
        try (Arena arena = Arena.ofConfined()) {
            Conv2d conv = new Conv2d(2, 3, ConvAttributes.same(new int[] {2, 4}, new int[] {1, 1}, 1), true,
                    Init.generator());
            float[] w = new float[48];
            for (int i = 0; i < 48; i++) {
                w[i] = ((i * 11 % 48) - 24) / 20f;
            }
            conv.loadStateDict(Map.of("weight", Tensor.of(arena, w, 3, 2, 2, 4),
                    "bias", Tensor.of(arena, new float[] {0.1f, -0.2f, 0.3f}, 3)));
            float[] xs = new float[50];
            for (int i = 0; i < 50; i++) {
                xs[i] = ((i * 7 % 50) - 25) / 10f;
            }
            Tensor out = conv.forward(Tensor.of(arena, xs, 1, 2, 5, 5), arena);
            assertThat(out.shape()).containsExactly(1, 3, 5, 5);
            assertClose(out.toFloatArray(), new float[] {-0.779999999f, -0.609999999f, -0.199999999f, 5.76f, 5.35f, 7.07f, -4.31f, -7.65f,
            -5.79f, 1.15f, 1.17f, 5.99f, 4.65f, -3.84f, -7.8f, -3.23f,
            0.0400000015f, 5.95f, 5.11f, 1.25f, -0.819999999f, -4.18f, -2.47f, 1.865f,
            1.225f, -4.44f, -2.19f, 7.34f, -0.780000003f, -2.23f, -4.19f, -4.29f,
            1.49f, 0.469999997f, 0.769999997f, -1.69f, -0.390000003f, -4.61f, -4.78f, 3.02f,
            -1.69f, 7.26f, -1.71f, -3.03f, -0.730000003f, -1.2f, 4.32f, 0.269999997f,
            0.844999997f, -0.435000003f, 5.18000001f, 3.51000001f, -3.51999999f, -3.39999999f, -0.609999988f, -2.16999999f,
            6.61000001f, 7.83000001f, 1.05000001f, -0.00999998808f, -3.26999999f, -4.28999999f, -1.06999999f, 3.00000001f,
            3.84000001f, 1.13000001f, -3.43999999f, -4.96999999f, -0.0499999881f, 1.69000001f, 4.98000001f, 2.10000001f,
            0.930000012f, 0.385000012f, -0.574999988f});
            Tensor g = conv.backward(Tensor.of(arena, upstream(75, 5, 2, 3f), 1, 3, 5, 5), arena);
            assertCloseAbsolute(g.toFloatArray(), new float[] {0.1f, 0.05f, 0.4f, -0.3f, 0.2f, 6.9388939e-17f, 0.7f, 0.4f,
            -0.2f, -0.2f, 6.9388939e-17f, 0.7f, 0.4f, -0.2f, -0.2f, 6.9388939e-17f,
            0.7f, 0.4f, -0.2f, -0.2f, 6.9388939e-17f, 0.7f, 0.4f, -0.2f,
            -0.2f, 0.5f, -0.35f, -0.4f, -0.3f, -0.2f, 1.11022302e-16f, -0.9f,
            -0.4f, -0.2f, 0.6f, 1.11022302e-16f, -0.9f, -0.4f, -0.2f, 0.6f,
            1.11022302e-16f, -0.9f, -0.4f, -0.2f, 0.6f, 1.11022302e-16f, -0.9f, -0.4f,
            -0.2f, 0.6f});
            assertCloseAbsolute(conv.weight().grad().toFloatArray(), new float[] {-0.666666667f, 1.66666667f, 1.70234197e-16f, 1f, -0.866666667f, -0.666666667f, -1.66666667f, 0.133333333f,
            1f, 2.29446092e-16f, 3.36767651e-16f, -1.5f, -0.866666667f, 1f, 1.66666667f, 0.133333333f,
            -0.666666667f, 1.66666667f, 1.70234197e-16f, 1f, -0.866666667f, -0.666666667f, -1.66666667f, 0.133333333f,
            1f, 2.29446092e-16f, 3.36767651e-16f, -1.5f, -0.866666667f, 1f, 1.66666667f, 0.133333333f,
            -0.666666667f, 1.66666667f, 1.70234197e-16f, 1f, -0.866666667f, -0.666666667f, -1.66666667f, 0.133333333f,
            1f, 2.29446092e-16f, 3.36767651e-16f, -1.5f, -0.866666667f, 1f, 1.66666667f, 0.133333333f});
            assertThat(conv.toString()).contains("padding=same");
            // an even span pads symmetrically, inside the kernels: the plain convolution with that padding
            ConvAttributes same = ConvAttributes.same(new int[] {3, 3}, new int[] {2, 2}, 1);
            assertThat(same.padding()).containsExactly(2, 2);
            assertThatThrownBy(() -> new ConvTranspose2d(2, 3, same, true, Init.generator()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same");
        }
    }

    private static void assertCloseAbsolute(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5f));
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5f * Math.max(1f, Math.abs(expected[i]))));
        }
    }
}
