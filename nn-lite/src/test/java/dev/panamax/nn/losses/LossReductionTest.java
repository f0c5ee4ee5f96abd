package dev.panamax.nn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.Tensor;

/**
 * PyTorch's {@code reduction="sum"} and {@code "none"} for every loss: values and gradients (the
 * sum's for an upstream gradient of 1 or 0.5, the unreduced losses' for a tensor of upstream
 * gradients) from PyTorch 1.13 in float64, the inputs written out below.
 */
class LossReductionTest {

    private static final float[] LOGITS_N_C_D = {1.624f, -0.612f, -0.528f, -1.073f, 0.865f, -2.302f,
        1.745f, -0.761f, 0.319f, -0.249f, 1.462f, -2.06f};
    private static final float[] SOFT_LOGITS = {-0.417f, -0.056f, -2.136f, 1.64f, -1.793f, -0.842f};
    private static final float[] PROBABILITIES = {0.2f, 0.5f, 0.3f, 1f, 0f, 0f};
    private static final float[] WEIGHTS = {0.5f, 1f, 2f};
    private static final float[] A = {0.5f, -1.25f, 2f, 0.75f, -0.3f, 1.1f};
    private static final float[] B = {0.1f, 0.2f, -0.4f, 1f, 0f, -2f};
    private static final float[] UPSTREAM = {1f, -0.5f, 0.25f, 2f, 3f, -1f};

    @Test
    void crossEntropyPerPositionSummed() {
        try (Arena arena = Arena.ofConfined()) {
            CrossEntropyLoss loss = weightedPerPosition(arena, Reduction.SUM);
            // F.cross_entropy(logits, target, weight=w, label_smoothing=0.1, reduction="sum")
            assertThat(loss.forward(Tensor.of(arena, LOGITS_N_C_D, 2, 3, 2), perPositionTarget(arena), arena))
                    .isCloseTo(5.40143461f, within(1e-5f));
            assertClose(loss.backward(Tensor.scalar(arena, 0.5f), arena), 1e-6f, -0.054504833f, 0.519623919f,
                    0.00412240187f, 0.316290999f, 0.0503824311f, -0.835914918f, 0f, 0.16448513f, 0f, -0.178297446f, 0f,
                    0.013812316f);
            assertClose(loss.backward(arena), 2e-6f, -0.109009666f, 1.03924784f, 0.00824480374f, 0.632581998f,
                    0.100764862f, -1.67182984f, 0f, 0.32897026f, 0f, -0.356594892f, 0f, 0.027624632f);
        }
    }

    @Test
    void crossEntropyPerPositionUnreduced() {
        try (Arena arena = Arena.ofConfined()) {
            CrossEntropyLoss loss = weightedPerPosition(arena, Reduction.NONE);
            Tensor losses = loss.forwardTensor(Tensor.of(arena, LOGITS_N_C_D, 2, 3, 2), perPositionTarget(arena), arena);
            assertThat(losses.shape()).containsExactly(2, 2);
            assertClose(losses, 2e-6f, 0.383111522f, 4.31271244f, 0f, 0.705610649f);
            Tensor grad = loss.backward(Tensor.of(arena, new float[] {0.3f, -1.2f, 0.7f, 2f}, 2, 2), arena);
            assertThat(grad.shape()).containsExactly(2, 3, 2);
            assertClose(grad, 1e-6f, -0.0327029011f, -1.24709745f, 0.00247344122f, -0.759098429f, 0.0302294599f,
                    2.00619588f, 0f, 0.657940519f, 0f, -0.713189783f, 0f, 0.0552492639f);
        }
    }

    @Test
    void crossEntropyOfOneSampleUnreducedIsZeroDimensional() {
        try (Arena arena = Arena.ofConfined()) {
            CrossEntropyLoss loss = new CrossEntropyLoss(Reduction.NONE);
            Tensor l = loss.forwardTensor(Tensor.of(arena, new float[] {0.3f, -1.2f, 2.5f, 0.1f}, 4),
                    Tensor.ofLongs(arena, new long[] {2}), arena);
            assertThat(l.shape()).isEmpty();
            assertThat(l.item()).isCloseTo(0.20395636f, within(1e-6f));
        }
    }

    @Test
    void crossEntropyAgainstProbabilities() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = Tensor.of(arena, WEIGHTS, 3);
            Tensor logits = Tensor.of(arena, SOFT_LOGITS, 2, 3);
            Tensor target = Tensor.of(arena, PROBABILITIES, 2, 3);
            CrossEntropyLoss sum = new CrossEntropyLoss(w, 0.2f, -100, Reduction.SUM);
            assertThat(sum.forward(logits, target, arena)).isCloseTo(2.66174214f, within(4e-6f));
            assertClose(sum.backward(arena), 1e-6f, 0.343181336f, 0.188323899f, -0.531505235f, 0.134237887f,
                    -0.0483398336f, -0.0858980537f);
            CrossEntropyLoss none = new CrossEntropyLoss(w, 0.2f, -100, Reduction.NONE);
            assertClose(none.forwardTensor(logits, target, arena), 2e-6f, 2.03250941f, 0.629232733f);
            assertClose(none.backward(Tensor.of(arena, new float[] {1.5f, -0.25f}, 2), arena), 1e-6f, 0.514772005f,
                    0.282485848f, -0.797257853f, -0.0335594718f, 0.0120849584f, 0.0214745134f);
        }
    }

    @Test
    void squaredError() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor input = Tensor.of(arena, A, 2, 3);
            Tensor target = Tensor.of(arena, B, 2, 3);
            MseLoss sum = new MseLoss(Reduction.SUM);
            assertThat(sum.forward(input, target, arena)).isCloseTo(17.785f, within(2e-5f));
            assertClose(sum.backward(arena), 1e-6f, 0.8f, -2.9f, 4.8f, -0.5f, -0.6f, 6.2f);
            MseLoss none = new MseLoss(Reduction.NONE);
            assertClose(none.forwardTensor(input, target, arena), 1e-6f, 0.16f, 2.1025f, 5.76f, 0.0625f, 0.09f, 9.61f);
            assertClose(none.backward(Tensor.of(arena, UPSTREAM, 2, 3), arena), 1e-6f, 0.8f, 1.45f, 1.2f, -1f, -1.8f, -6.2f);
        }
    }

    @Test
    void binaryCrossEntropyWithPositiveWeights() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor logits = Tensor.of(arena, A, 2, 3);
            Tensor target = Tensor.of(arena, new float[] {1f, 0f, 0.5f, 0f, 1f, 1f}, 2, 3);
            Tensor posWeight = Tensor.of(arena, new float[] {2f, 0.5f, 1f}, 3);
            BceWithLogitsLoss sum = new BceWithLogitsLoss(posWeight, Reduction.SUM);
            assertThat(sum.forward(logits, target, arena)).isCloseTo(4.17839501f, within(4e-6f));
            assertClose(sum.backward(arena), 1e-6f, -0.755081338f, 0.222700139f, 0.380797078f, 0.679178699f,
                    -0.28722126f, -0.24973989f);
            BceWithLogitsLoss none = new BceWithLogitsLoss(posWeight, Reduction.NONE);
            assertClose(none.forwardTensor(logits, target, arena), 2e-6f, 0.948153968f, 0.251929081f, 1.12692801f,
                    1.13687101f, 0.427177626f, 0.287335319f);
            assertClose(none.backward(Tensor.of(arena, UPSTREAM, 2, 3), arena), 1e-6f, -0.755081338f, -0.111350069f,
                    0.0951992695f, 1.3583574f, -0.86166378f, 0.24973989f);
        }
    }

    @Test
    void theMeanIsTheDefaultAndAgreesWithTheTensorForm() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor input = Tensor.of(arena, A, 2, 3);
            Tensor target = Tensor.of(arena, B, 2, 3);
            MseLoss loss = new MseLoss();
            assertThat(loss.reduction()).isEqualTo(Reduction.MEAN);
            float mean = loss.forward(input, target, arena);
            assertThat(mean).isCloseTo(17.785f / 6, within(1e-5f));
            float[] byOne = loss.backward(arena).toFloatArray();
            assertThat(loss.forwardTensor(input, target, arena).item()).isEqualTo(mean);
            assertThat(loss.backward(Tensor.scalar(arena, 1f), arena).toFloatArray()).containsExactly(byOne);
        }
    }

    @Test
    void misuseIsRefusedByName() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor input = Tensor.of(arena, A, 2, 3);
            Tensor target = Tensor.of(arena, B, 2, 3);
            MseLoss none = new MseLoss(Reduction.NONE);
            assertThatThrownBy(() -> none.forward(input, target, arena)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("reduction \"none\"").hasMessageContaining("forwardTensor");
            assertThatThrownBy(() -> none.backward(Tensor.scalar(arena, 1f), arena))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("before forward");
            none.forwardTensor(input, target, arena);
            assertThatThrownBy(() -> none.backward(arena)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("backward(gradLoss, arena)");
            assertThatThrownBy(() -> none.backward(Tensor.scalar(arena, 1f), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]").hasMessageContaining("[]");
            MseLoss sum = new MseLoss(Reduction.SUM);
            sum.forward(input, target, arena);
            assertThatThrownBy(() -> sum.backward(Tensor.of(arena, A, 2, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradLoss (reduction sum)");
            assertThatThrownBy(() -> new CrossEntropyLoss((Reduction) null)).isInstanceOf(IllegalArgumentException.class);
            assertThat(Reduction.of("none")).isEqualTo(Reduction.NONE);
            assertThatThrownBy(() -> Reduction.of("avg")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"avg\"");
        }
    }

    private static CrossEntropyLoss weightedPerPosition(Arena arena, Reduction reduction) {
        return new CrossEntropyLoss(Tensor.of(arena, WEIGHTS, 3), 0.1f, -100, reduction);
    }

    private static Tensor perPositionTarget(Arena arena) {
        return Tensor.ofLongs(arena, new long[] {0, 2, -100, 1}, 2, 2);
    }

    private static void assertClose(Tensor actual, float tolerance, float... expected) {
        float[] a = actual.toFloatArray();
        assertThat(a).hasSize(expected.length);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("element %d", i).isCloseTo(expected[i], within(tolerance));
        }
    }
}
