package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.function.Function;

import dev.panamax.nn.tensor.Tensor;

/**
 * The trajectory the optimizer tests compare with torch.optim's: a 37-element parameter (two
 * 16-lane vectors and a scalar tail) from a fixed start, a fixed gradient per step whose signs
 * change from step to step (and which is 0 now and then), the final values within 3e-6 relative.
 */
final class OptimizerTrajectory {

    private OptimizerTrajectory() {
    }

    static void check(Function<List<Parameter>, Optimizer> make, int steps, float[] expected) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor value = start(arena);
            Tensor grad = Tensor.zeros(arena, 37);
            try (Optimizer opt = make.apply(List.of(new Parameter("p", value, grad)))) {
                for (int s = 0; s < steps; s++) {
                    opt.zeroGrad();
                    gradient(grad, s);
                    opt.step();
                }
            }
            float[] got = value.toFloatArray();
            for (int i = 0; i < 37; i++) {
                assertThat(got[i]).as("parameter %d", i).isCloseTo(expected[i], within(3e-6f * Math.max(1f, Math.abs(expected[i]))));
            }
        }
    }

    /** {@code p0[i] = ((7 i) mod 37 - 18) / 10}. */
    static Tensor start(Arena arena) {
        float[] p0 = new float[37];
        for (int i = 0; i < 37; i++) {
            p0[i] = ((i * 7) % 37 - 18) / 10f;
        }
        return Tensor.of(arena, p0, 37);
    }

    /** At step s (from 0), {@code g[i] = ((5 i + 3 s) mod 11 - 5) / 4}. */
    static void gradient(Tensor grad, int step) {
        for (int i = 0; i < 37; i++) {
            grad.set((((i * 5 + step * 3) % 11) - 5) / 4f, i);
        }
    }
}
