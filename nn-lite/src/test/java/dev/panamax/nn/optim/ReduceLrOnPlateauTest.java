package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.optim.ReduceLrOnPlateau.Mode;
import dev.panamax.nn.optim.ReduceLrOnPlateau.Options;
import dev.panamax.nn.optim.ReduceLrOnPlateau.ThresholdMode;
import dev.panamax.nn.tensor.Tensor;

/**
 * ReduceLROnPlateau against torch.optim.lr_scheduler 1.13: the rate after each metric, for SGD
 * starting at 0.1 (PyTorch's rates in double; ours start from the optimizer's float 0.1, hence
 * the relative tolerance of 1e-7).
 */
class ReduceLrOnPlateauTest {

    @Test
    void minModeWithPatienceCooldownAndFloor() {
        check(Options.defaults().factor(0.5).patience(2).cooldown(1).minLr(0.02),
                new double[] {1.0, 0.9, 0.95, 0.9, 0.91, 0.89, 0.8999, 0.8991, 0.9, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3},
                0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02);
    }

    @Test
    void maxModeWithAbsoluteThreshold() {
        check(Options.defaults().mode(Mode.MAX).threshold(0.01, ThresholdMode.ABS).factor(0.1).patience(1),
                new double[] {0.5, 0.6, 0.6, 0.6005, 0.61, 0.5, 0.4, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7},
                0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002,
                0.0010000000000000002, 0.0010000000000000002, 0.00010000000000000003, 0.00010000000000000003,
                1.0000000000000004e-05, 1.0000000000000004e-05);
    }

    @Test
    void dropsSmallerThanEpsAreSkipped() {
        double[] metrics = new double[13];
        java.util.Arrays.fill(metrics, 1.0);
        check(Options.defaults().factor(0.5).patience(0).eps(0.02), metrics,
                0.1, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025);
    }

    @Test
    void resumesFromItsState() {
        try (Arena arena = Arena.ofConfined(); Sgd a = sgd(arena); Sgd b = sgd(arena)) {
            Options o = Options.defaults().factor(0.5).patience(1).cooldown(2);
            ReduceLrOnPlateau first = new ReduceLrOnPlateau(a, o);
            double[] metrics = {1.0, 1.0, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 0.8, 1.0, 1.0};
            for (int i = 0; i < 5; i++) {
                first.step(metrics[i]);
            }
            ReduceLrOnPlateau resumed = new ReduceLrOnPlateau(b, o);
            resumed.restore(first.state());
            for (int i = 5; i < metrics.length; i++) {
                first.step(metrics[i]);
                resumed.step(metrics[i]);
                assertThat(resumed.state()).isEqualTo(first.state());
                assertThat(b.learningRate()).isEqualTo(a.learningRate());
            }
        }
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> Options.defaults().factor(1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factor must be in [0, 1)");
        assertThatThrownBy(() -> Options.defaults().patience(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("patience");
        assertThatThrownBy(() -> Options.defaults().minLr(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minLr");
    }

    private static void check(Options options, double[] metrics, double... rates) {
        try (Arena arena = Arena.ofConfined(); Sgd sgd = sgd(arena)) {
            ReduceLrOnPlateau plateau = new ReduceLrOnPlateau(sgd, options);
            for (int i = 0; i < metrics.length; i++) {
                plateau.step(metrics[i]);
                assertThat(plateau.currentRate()).as("after metric %d", i).isCloseTo(rates[i], within(1e-7 * rates[i]));
                assertThat(sgd.learningRate()).isEqualTo((float) plateau.currentRate());
            }
        }
    }

    private static Sgd sgd(Arena arena) {
        Parameter p = new Parameter("w", Tensor.zeros(arena, 1), Tensor.zeros(arena, 1));
        return new Sgd(List.of(p), 0.1f, 0f);
    }
}
