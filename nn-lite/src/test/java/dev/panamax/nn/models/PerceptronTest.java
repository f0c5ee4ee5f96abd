package dev.panamax.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

class PerceptronTest {

    @Test
    void separatesLinearlySeparableData() {
        try (Arena arena = Arena.ofConfined()) {
            // class +1 above the line x1 + x2 = 1, class -1 below
            float[] xs = {0, 0, 0.25f, 0.25f, 1, 1, 2, 0.5f, 0.5f, 2, 0.125f, 0.5f};
            float[] ts = {-1, -1, 1, 1, 1, -1};
            Tensor x = Tensor.of(arena, xs, 6, 2);
            Tensor t = Tensor.of(arena, ts, 6);
            Perceptron p = new Perceptron(2);
            p.fit(x, t, 50, 0.5f);
            assertThat(p.fit(x, t, 1, 0.5f)).as("updates after convergence").isZero();
            assertThat(p.predict(x, arena).toFloatArray()).containsExactly(ts);
        }
    }

    @Test
    void rejectsLabelsOtherThanPlusMinusOne() {
        try (Arena arena = Arena.ofConfined()) {
            Perceptron p = new Perceptron(1);
            assertThatThrownBy(() -> p.fit(Tensor.zeros(arena, 2, 1), Tensor.of(arena, new float[] {1, 0}, 2), 1, 1f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 1 is 0.0");
        }
    }
}
