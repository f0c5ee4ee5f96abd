package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * CELU, LogSigmoid, Softsign, Tanhshrink, Softshrink, Hardshrink and Threshold against PyTorch 1.13
 * in float64, forward and backward, on 17 inputs (a whole vector and a masked tail) that include
 * each function's kinks exactly (0, +-lambda, the threshold) and the far tails (-25, 30), where
 * log-sigmoid must not round to 0 or overflow.
 */
class MoreActivationsTest {

    private static final float[] X = {-25f, -3f, -1f, -0.5f, -0.25f, 0f, 0.25f, 0.5f, 0.75f, 1f, 2.5f, 30f, -0.4f, 0.6f, 1.5f,
        -2f, 4f};

    @Test
    void celu() {
        check(ActivationLayer.celu(0.7f), new float[] {-0.7f, -0.690365349f, -0.532244274f, -0.357320838f, -0.210229224f, 0f, 0.25f, 0.5f, 0.75f, 1f, 2.5f, 30f, -0.304697315f, 0.6f, 1.5f, -0.659797167f, 4f},
                new float[] {-3.0866155e-16f, -0.00688189298f, 0f, 0.244770831f, 0.699672545f, -1.00000002f, -0.5f, 0f, 0.5f, 1f, -1f, -0.5f, 0f, 0.5f, 1f, -0.0574326175f, -0.5f});
    }

    @Test
    void logsigmoid() {
        check(ActivationLayer.logsigmoid(), new float[] {-25f, -3.04858735f, -1.31326169f, -0.974076984f, -0.82593942f, -0.693147181f, -0.57593942f, -0.474076984f, -0.386871006f, -0.313261688f, -0.0788897343f, -9.35762297e-14f, -0.913015252f, -0.43748795f, -0.201413278f, -2.12692801f, -0.0181499279f},
                new float[] {-1f, -0.476287063f, 0f, 0.311229666f, 0.562176501f, -0.5f, -0.21891175f, 0f, 0.16041065f, 0.268941421f, -0.07585818f, -4.67881148e-14f, 0f, 0.177171847f, 0.182425524f, -0.880797078f, -0.00899310498f});
    }

    @Test
    void softsign() {
        check(ActivationLayer.softsign(), new float[] {-0.961538462f, -0.75f, -0.5f, -0.333333333f, -0.2f, 0f, 0.2f, 0.333333333f, 0.428571429f, 0.5f, 0.714285714f, 0.967741935f, -0.285714286f, 0.375f, 0.6f, -0.666666667f, 0.8f},
                new float[] {-0.00147928994f, -0.03125f, 0f, 0.222222222f, 0.64f, -1f, -0.32f, 0f, 0.163265306f, 0.25f, -0.0816326531f, -0.000520291363f, 0f, 0.1953125f, 0.16f, -0.111111111f, -0.02f});
    }

    @Test
    void tanhshrink() {
        check(ActivationLayer.tanhshrink(), new float[] {-24f, -2.00494525f, -0.238405844f, -0.0378828427f, -0.0050813376f, 0f, 0.0050813376f, 0.0378828427f, 0.114851048f, 0.238405844f, 1.5133857f, 29f, -0.0200510377f, 0.062950433f, 0.594851746f, -1.03597242f, 3.0006707f},
                new float[] {-1f, -0.495066981f, 0f, 0.106776134f, 0.0599851512f, 0f, -0.0299925756f, 0f, 0.201707096f, 0.580025658f, -0.973407773f, -0.5f, 0f, 0.144211119f, 0.819293361f, -0.929349175f, -0.499329525f});
    }

    @Test
    void softshrink() {
        check(ActivationLayer.softshrink(0.5f), new float[] {-24.5f, -2.5f, -0.5f, 0f, 0f, 0f, 0f, 0f, 0.25f, 0.5f, 2f, 29.5f, 0f, 0.1f, 1f, -1.5f, 3.5f},
                new float[] {-1f, -0.5f, 0f, 0f, 0f, 0f, 0f, 0f, 0.5f, 1f, -1f, -0.5f, 0f, 0.5f, 1f, -1f, -0.5f});
    }

    @Test
    void hardshrink() {
        check(ActivationLayer.hardshrink(0.5f), new float[] {-25f, -3f, -1f, 0f, 0f, 0f, 0f, 0f, 0.75f, 1f, 2.5f, 30f, 0f, 0.6f, 1.5f, -2f, 4f},
                new float[] {-1f, -0.5f, 0f, 0f, 0f, 0f, 0f, 0f, 0.5f, 1f, -1f, -0.5f, 0f, 0.5f, 1f, -1f, -0.5f});
    }

    @Test
    void threshold() {
        check(ActivationLayer.threshold(0.25f, -2f), new float[] {-2f, -2f, -2f, -2f, -2f, -2f, -2f, 0.5f, 0.75f, 1f, 2.5f, 30f, -2f, 0.6f, 1.5f, -2f, 4f},
                new float[] {0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.5f, 1f, -1f, -0.5f, 0f, 0.5f, 1f, 0f, -0.5f});
    }

    @Test
    void badParametersAndNaN() {
        assertThatThrownBy(() -> Activation.celu(0f)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha");
        assertThatThrownBy(() -> Activation.softshrink(-1f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lambda");
        try (Arena arena = Arena.ofConfined()) {
            Tensor nan = Tensor.of(arena, new float[] {Float.NaN}, 1);
            // NaN propagates through all of them (PyTorch's softshrink gives 0 on some paths, NaN on others)
            assertThat(ActivationLayer.softshrink(0.5f).forward(nan, arena).item()).isNaN();
            assertThat(ActivationLayer.hardshrink(0.5f).forward(nan, arena).item()).isNaN();
            assertThat(ActivationLayer.threshold(0f, 1f).forward(nan, arena).item()).isNaN();
            assertThat(ActivationLayer.celu(1f).forward(nan, arena).item()).isNaN();
        }
    }

    private static void check(ActivationLayer layer, float[] y, float[] gx) {
        try (Arena arena = Arena.ofConfined()) {
            TorchValues.assertClose(layer + " forward", layer.forward(Tensor.of(arena, X, 17), arena).toFloatArray(), y);
            float[] g = new float[17];
            for (int i = 0; i < 17; i++) {
                g[i] = (i % 5 - 2) / 2f;
            }
            TorchValues.assertClose(layer + " backward", layer.backward(Tensor.of(arena, g, 17), arena).toFloatArray(), gx);
        }
    }
}
