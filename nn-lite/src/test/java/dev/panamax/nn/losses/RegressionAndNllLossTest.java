package dev.panamax.nn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.Tensor;

/**
 * L1, smooth L1 (beta 0.5, and 0, which is L1), Huber (delta 1.5) and NLL losses in their three
 * reductions against PyTorch 1.13 (float64; values printed by it for these inputs): the reduced
 * losses' gradients for an upstream gradient of 0.5 (NLL: 1), the unreduced ones' for a tensor of
 * upstream gradients.
 */
class RegressionAndNllLossTest {

    private static final float[] INPUT = {0.5f, -1.25f, 2f, 0.75f, -0.3f, 1.1f, 0.2f, -2.5f};
    private static final float[] TARGET = {0.1f, 0.2f, -0.4f, 0.75f, 0f, -2f, 0.45f, 1f};
    private static final float[] UPSTREAM = {1f, -0.5f, 0.25f, 2f, 3f, -1f, 0.5f, 1.5f};
    private static final float[] WEIGHTS = {0.5f, 1f, 2f};

    @Test
    void l1Mean() {
        checkReduced(new L1Loss(Reduction.MEAN), 1.425f, new float[] {0.0625f, -0.0625f, 0.0625f, 0f, -0.0625f, 0.0625f, -0.0625f, -0.0625f});
    }

    @Test
    void l1Sum() {
        checkReduced(new L1Loss(Reduction.SUM), 11.4f, new float[] {0.5f, -0.5f, 0.5f, 0f, -0.5f, 0.5f, -0.5f, -0.5f});
    }

    @Test
    void l1Unreduced() {
        checkUnreduced(new L1Loss(Reduction.NONE), new float[] {0.399999999f, 1.45f, 2.40000001f, 0f, 0.300000012f, 3.10000002f, 0.249999985f, 3.5f},
            new float[] {1f, 0.5f, 0.25f, 0f, -3f, -1f, -0.5f, -1.5f});
    }

    @Test
    void smoothL1Mean() {
        checkReduced(new SmoothL1Loss(0.5f, Reduction.MEAN), 1.2203125f, new float[] {0.0499999998f, -0.0625f, 0.0625f, 0f, -0.0375000015f, 0.0625f, -0.0312499981f, -0.0625f});
    }

    @Test
    void smoothL1Sum() {
        checkReduced(new SmoothL1Loss(0.5f, Reduction.SUM), 9.76250003f, new float[] {0.399999999f, -0.5f, 0.5f, 0f, -0.300000012f, 0.5f, -0.249999985f, -0.5f});
    }

    @Test
    void smoothL1Unreduced() {
        checkUnreduced(new SmoothL1Loss(0.5f, Reduction.NONE), new float[] {0.159999999f, 1.2f, 2.15000001f, 0f, 0.0900000072f, 2.85000002f, 0.0624999925f, 3.25f},
            new float[] {0.799999997f, 0.5f, 0.25f, 0f, -1.80000007f, -1f, -0.249999985f, -1.5f});
    }

    @Test
    void smoothL1Beta0Mean() {
        checkReduced(new SmoothL1Loss(0f, Reduction.MEAN), 1.425f, new float[] {0.0625f, -0.0625f, 0.0625f, -0.0625f, -0.0625f, 0.0625f, -0.0625f, -0.0625f});
    }

    @Test
    void smoothL1Beta0Sum() {
        checkReduced(new SmoothL1Loss(0f, Reduction.SUM), 11.4f, new float[] {0.5f, -0.5f, 0.5f, -0.5f, -0.5f, 0.5f, -0.5f, -0.5f});
    }

    @Test
    void smoothL1Beta0Unreduced() {
        checkUnreduced(new SmoothL1Loss(0f, Reduction.NONE), new float[] {0.399999999f, 1.45f, 2.40000001f, 0f, 0.300000012f, 3.10000002f, 0.249999985f, 3.5f},
            new float[] {1f, 0.5f, 0.25f, -2f, -3f, -1f, -0.5f, -1.5f});
    }

    @Test
    void huberMean() {
        checkReduced(new HuberLoss(1.5f, Reduction.MEAN), 1.41656251f, new float[] {0.0249999999f, -0.0906250002f, 0.09375f, 0f, -0.0187500007f, 0.09375f, -0.0156249991f, -0.09375f});
    }

    @Test
    void huberSum() {
        checkReduced(new HuberLoss(1.5f, Reduction.SUM), 11.3325f, new float[] {0.199999999f, -0.725000001f, 0.75f, 0f, -0.150000006f, 0.75f, -0.124999993f, -0.75f});
    }

    @Test
    void huberUnreduced() {
        checkUnreduced(new HuberLoss(1.5f, Reduction.NONE), new float[] {0.0799999994f, 1.05125f, 2.47500001f, 0f, 0.0450000036f, 3.52500004f, 0.0312499963f, 4.125f},
            new float[] {0.399999999f, 0.725000001f, 0.375f, 0f, -0.900000036f, -1.5f, -0.124999993f, -2.25f});
    }

    @Test
    void nllMean() {
        try (Arena arena = Arena.ofConfined()) {
            NllLoss loss = new NllLoss(Tensor.of(arena, WEIGHTS, 3), -100, Reduction.MEAN);
            assertThat(loss.forward(logProbabilities(arena), nllTarget(arena), arena)).isCloseTo(1.53410146f, within(2e-6f));
            assertClose(loss.backward(arena).toFloatArray(), new float[] {-0.142857143f, 0f, 0f, 0f, 0f, -0.571428571f, 0f, 0f,
            0f, -0.285714286f, 0f, 0f});
        }
    }

    @Test
    void nllSum() {
        try (Arena arena = Arena.ofConfined()) {
            NllLoss loss = new NllLoss(Tensor.of(arena, WEIGHTS, 3), -100, Reduction.SUM);
            assertThat(loss.forward(logProbabilities(arena), nllTarget(arena), arena)).isCloseTo(5.36935513f, within(2e-6f));
            assertClose(loss.backward(arena).toFloatArray(), new float[] {-0.5f, 0f, 0f, 0f, 0f, -2f, 0f, 0f,
            0f, -1f, 0f, 0f});
        }
    }

    @Test
    void nllUnreduced() {
        try (Arena arena = Arena.ofConfined()) {
            NllLoss loss = new NllLoss(Tensor.of(arena, WEIGHTS, 3), -100, Reduction.NONE);
            Tensor l = loss.forwardTensor(logProbabilities(arena), nllTarget(arena), arena);
            assertThat(l.shape()).containsExactly(2, 2);
            assertClose(l.toFloatArray(), new float[] {0.230098411f, 4.57236099f, 0f, 0.566895723f});
            assertClose(loss.backward(Tensor.of(arena, new float[] {0.3f, -1.2f, 0.7f, 2f}, 2, 2), arena).toFloatArray(),
                new float[] {-0.150000006f, 0f, 0f, 0f, 0f, 2.4000001f, 0f, 0f,
            0f, -2f, 0f, 0f});
        }
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> new HuberLoss(0f, Reduction.MEAN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delta");
        assertThatThrownBy(() -> new SmoothL1Loss(-1f, Reduction.MEAN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("beta");
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> new NllLoss().forward(logProbabilities(arena), Tensor.zeros(arena, 2, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("int64");
            assertThatThrownBy(() -> new L1Loss().forward(Tensor.zeros(arena, 2, 4), Tensor.zeros(arena, 2, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 4]");
        }
    }

    private static Tensor logProbabilities(Arena arena) {
        return Tensor.of(arena, new float[] {-0.460196823f, -0.59618032f, -2.61219668f, -1.05718029f, -1.2191968f, -2.2861805f, -0.690036297f, -1.07889569f,
            -2.11603618f, -0.566895723f, -0.973036289f, -2.37789559f}, 2, 3, 2);
    }

    private static Tensor nllTarget(Arena arena) {
        return Tensor.ofLongs(arena, new long[] {0, 2, -100, 1}, 2, 2);
    }

    private static void checkReduced(Loss loss, float expected, float[] gradient) {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(loss.forward(Tensor.of(arena, INPUT, 2, 4), Tensor.of(arena, TARGET, 2, 4), arena))
                    .isCloseTo(expected, within(4e-6f));
            assertClose(loss.backward(Tensor.scalar(arena, 0.5f), arena).toFloatArray(), gradient);
        }
    }

    private static void checkUnreduced(Loss loss, float[] expected, float[] gradient) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor l = loss.forwardTensor(Tensor.of(arena, INPUT, 2, 4), Tensor.of(arena, TARGET, 2, 4), arena);
            assertThat(l.shape()).containsExactly(2, 4);
            assertClose(l.toFloatArray(), expected);
            assertClose(loss.backward(Tensor.of(arena, UPSTREAM, 2, 4), arena).toFloatArray(), gradient);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6f));
        }
    }
}
