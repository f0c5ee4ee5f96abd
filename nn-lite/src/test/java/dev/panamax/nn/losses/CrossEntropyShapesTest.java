package dev.panamax.nn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * Cross-entropy beyond {@code [N, C]} against class indices, as {@code torch.nn.CrossEntropyLoss}
 * takes it: a score per position ({@code [N, C, d]}), one sample ({@code [C]}), and class
 * probabilities. Expected values from PyTorch 1.13 in float64 (the golden suite's generator's
 * way), the inputs written out below.
 */
class CrossEntropyShapesTest {

    private static final float[] LOGITS_N_C_D = {1.624f, -0.612f, -0.528f, -1.073f, 0.865f, -2.302f,
        1.745f, -0.761f, 0.319f, -0.249f, 1.462f, -2.06f};

    @Test
    void aScorePerPositionWithWeightsSmoothingAndAnIgnoredPosition() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor logits = Tensor.of(arena, LOGITS_N_C_D, 2, 3, 2);
            Tensor target = Tensor.ofLongs(arena, new long[] {0, 2, -100, 1}, 2, 2);
            CrossEntropyLoss loss = new CrossEntropyLoss(Tensor.of(arena, new float[] {0.5f, 1f, 2f}, 3), 0.1f);
            // F.cross_entropy(logits, target, weight=w, label_smoothing=0.1)
            assertThat(loss.forward(logits, target, arena)).isCloseTo(1.54326699f, within(2e-6f));
            Tensor grad = loss.backward(arena);
            assertThat(grad.shape()).containsExactly(2, 3, 2);
            assertClose(grad, 1e-6f, -0.0311456168f, 0.296927955f, 0.00235565786f, 0.180737709f, 0.0287899589f,
                    -0.477665664f, 0f, 0.0939915019f, 0f, -0.101884253f, 0f, 0.00789275083f);
        }
    }

    @Test
    void classProbabilitiesWithWeightsAndSmoothing() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor logits = Tensor.of(arena, new float[] {-0.417f, -0.056f, -2.136f, 1.64f, -1.793f, -0.842f}, 2, 3);
            Tensor target = Tensor.of(arena, new float[] {0.2f, 0.5f, 0.3f, 1f, 0f, 0f}, 2, 3);
            CrossEntropyLoss loss = new CrossEntropyLoss(Tensor.of(arena, new float[] {0.5f, 1f, 2f}, 3), 0.2f);
            assertThat(loss.forward(logits, target, arena)).isCloseTo(1.33087107f, within(2e-6f));
            assertClose(loss.backward(arena), 1e-6f, 0.171590665f, 0.0941619464f, -0.265752612f, 0.0671189441f,
                    -0.0241699171f, -0.042949027f);
        }
    }

    @Test
    void classProbabilitiesPerPosition() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor logits = Tensor.of(arena, LOGITS_N_C_D, 2, 3, 2);
            Tensor target = Tensor.of(arena, new float[] {0.762975351f, 0.643833392f, 0.14036213f, 0.0645499914f,
                0.0966625189f, 0.291616617f, 0.428858596f, 0.1493066f, 0.445914509f, 0.173469521f, 0.125226895f,
                0.677223879f}, 2, 3, 2);
            CrossEntropyLoss loss = new CrossEntropyLoss();
            assertThat(loss.forward(logits, target, arena)).isCloseTo(1.29638391f, within(2e-6f));
            assertClose(loss.backward(arena), 1e-6f, -0.0329539813f, -0.0232303683f, -0.0167472373f, 0.0707210213f,
                    0.0497012186f, -0.047490653f, 0.0181748194f, 0.047666036f, -0.0813515412f, 0.0984535499f,
                    0.0631767218f, -0.146119586f);
        }
    }

    @Test
    void oneSampleIsABatchOfOne() {
        try (Arena arena = Arena.ofConfined()) {
            float[] scores = {0.3f, -1.2f, 2.5f, 0.1f};
            CrossEntropyLoss one = new CrossEntropyLoss(null, 0.05f);
            CrossEntropyLoss batch = new CrossEntropyLoss(null, 0.05f);
            float single = one.forward(Tensor.of(arena, scores, 4), Tensor.ofLongs(arena, new long[] {2}), arena);
            float batched = batch.forward(Tensor.of(arena, scores, 1, 4), Tensor.ofLongs(arena, new long[] {2}, 1), arena);
            assertThat(single).isEqualTo(batched);
            Tensor g = one.backward(arena);
            assertThat(g.shape()).containsExactly(4);
            assertThat(g.toFloatArray()).containsExactly(batch.backward(arena).toFloatArray());
        }
    }

    @Test
    void mismatchedTargetsAreRefusedWithBothShapes() {
        try (Arena arena = Arena.ofConfined()) {
            CrossEntropyLoss loss = new CrossEntropyLoss();
            Tensor logits = Tensor.zeros(arena, 2, 3, 4);
            assertThatThrownBy(() -> loss.forward(logits, Tensor.ofLongs(arena, new long[8], 2, 4, 1), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 4]").hasMessageContaining("[2, 4, 1]");
            assertThatThrownBy(() -> loss.forward(logits, Tensor.zeros(arena, 2, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("class indices are int64");
            assertThatThrownBy(() -> loss.forward(Tensor.zeros(arena, 2, 3), Tensor.ofLongs(arena, new long[] {0, 3}, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target[1]");
        }
    }

    private static void assertClose(Tensor actual, float tolerance, float... expected) {
        float[] a = actual.toFloatArray();
        assertThat(a).hasSize(expected.length);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("element %d", i).isCloseTo(expected[i], within(tolerance));
        }
    }
}
