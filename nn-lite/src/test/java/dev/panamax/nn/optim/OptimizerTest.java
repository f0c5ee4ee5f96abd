package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.List;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

class OptimizerTest {

    /** Minimises sum((p - 3)^2) from p = 0; each optimizer must get close to 3. */
    private static float[] minimise(Arena arena, java.util.function.Function<List<Parameter>, Optimizer> make, int steps) {
        Tensor value = Tensor.zeros(arena, 37);
        Tensor grad = Tensor.zeros(arena, 37);
        Parameter p = new Parameter("p", value, grad);
        try (Optimizer opt = make.apply(List.of(p))) {
            for (int s = 0; s < steps; s++) {
                opt.zeroGrad();
                for (int i = 0; i < 37; i++) {
                    grad.set(2 * (value.get(i) - 3f), i);
                }
                opt.step();
            }
        }
        return value.toFloatArray();
    }

    @Test
    void everyOptimizerMinimisesAQuadratic() {
        try (Arena arena = Arena.ofConfined()) {
            for (float v : minimise(arena, ps -> new Sgd(ps, 0.1f, 0.9f, 0f, true, 0f), 200)) {
                assertThat(v).isCloseTo(3f, Offset.offset(1e-3f));
            }
            for (float v : minimise(arena, ps -> Adam.adam(ps, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false), 500)) {
                assertThat(v).isCloseTo(3f, Offset.offset(1e-2f));
            }
            for (float v : minimise(arena, ps -> Adam.adamW(ps, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, true), 500)) {
                assertThat(v).isCloseTo(3f, Offset.offset(1e-2f));
            }
        }
    }

    @Test
    void clippingScalesToTheMaximumNorm() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor g = Tensor.of(arena, new float[] {3, 4}, 2);
            Parameter p = new Parameter("p", Tensor.zeros(arena, 2), g);
            assertThat(GradientClipping.clipGradNorm(List.of(p), 1f)).isCloseTo(5f, Offset.offset(1e-6f));
            assertThat(g.toFloatArray()).containsExactly(new float[] {0.6f, 0.8f}, Offset.offset(1e-6f));
            GradientClipping.clipGradValue(List.of(p), 0.7f);
            assertThat(g.toFloatArray()).containsExactly(new float[] {0.6f, 0.7f}, Offset.offset(1e-6f));
        }
    }

    @Test
    void badSettingsAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Parameter p = new Parameter("p", Tensor.zeros(arena, 2), Tensor.zeros(arena, 2));
            assertThatThrownBy(() -> new Sgd(List.of(p), 0.1f, 0f, 0f, true, 0f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Nesterov");
            assertThatThrownBy(() -> Adam.adam(List.of(p), 0.1f, 1f, 0.999f, 1e-8f, 0f, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("betas");
            assertThatThrownBy(() -> new Parameter("w", Tensor.zeros(arena, 2), Tensor.zeros(arena, 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter w: gradient shape [3]");
        }
    }

    /** The options records build the same optimizers as PyTorch's positional arguments. */
    @Test
    void optionsRecordsMatchThePositionalForms() {
        try (Arena arena = Arena.ofConfined()) {
            float[][] results = new float[4][];
            for (int variant = 0; variant < 4; variant++) {
                Tensor w = Tensor.of(arena, new float[] {1f, -2f, 3f}, 3);
                Tensor g = Tensor.of(arena, new float[] {0.5f, 0.25f, -1f}, 3);
                List<Parameter> params = List.of(new Parameter("w", w, g));
                try (Optimizer opt = switch (variant) {
                    case 0 -> Adam.adamW(params, 3e-3f, 0.8f, 0.99f, 1e-6f, 0.05f, true);
                    case 1 -> Adam.adamW(params, Adam.Options.adamW().lr(3e-3f).betas(0.8f, 0.99f).eps(1e-6f).weightDecay(0.05f)
                            .amsgrad(true));
                    case 2 -> new Sgd(params, 0.1f, 0.9f, 0f, true, 1e-3f);
                    default -> new Sgd(params, Sgd.Options.lr(0.1f).momentum(0.9f).nesterov(true).weightDecay(1e-3f));
                }) {
                    for (int step = 0; step < 3; step++) {
                        opt.step();
                    }
                }
                results[variant] = w.toFloatArray();
            }
            assertThat(results[1]).containsExactly(results[0]);
            assertThat(results[3]).containsExactly(results[2]);
            assertThat(Adam.Options.adam()).isEqualTo(new Adam.Options(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false));
            assertThat(Adam.Options.adamW().weightDecay()).isEqualTo(0.01f);
        }
    }
}
