package dev.panamax.nn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * BCELoss (unweighted, and with a weight per column broadcast over the rows) and KLDivLoss
 * (targets of probabilities and of log-probabilities, every reduction and batchmean) against
 * PyTorch 1.13 (float64; values printed by it for these inputs): the reduced losses' gradients for
 * an upstream gradient of 0.5, the unreduced ones' for a tensor of upstream gradients. The
 * probabilities include exact 0 and 1, where PyTorch clamps the logarithms at -100 and the
 * gradient's divisor at 1e-12.
 */
class ProbabilityLossTest {

    private static final float[] PROBABILITIES = {0.9f, 0.2f, 1f, 0f, 0.35f, 0.6f, 1f, 0.05f};
    private static final float[] BCE_TARGET = {1f, 0f, 1f, 0f, 0.5f, 0.8f, 0.8f, 0.3f};
    private static final float[] COLUMN_WEIGHTS = {0.5f, 1f, 2f, 1.5f};
    /** log_softmax of {0.3, -1.2, 2, 0.5} and {1, 0.1, -0.4, 0.7}, in float32. */
    private static final float[] LOG_PROBABILITIES = {-2.06919932f, -3.56919932f, -0.369199306f, -1.86919928f,
        -0.872959256f, -1.77295923f, -2.27295923f, -1.17295933f};
    private static final float[] KL_TARGET = {0.1f, 0f, 0.6f, 0.3f, 0.25f, 0.25f, 0.25f, 0.25f};
    /** log of {0.1, 0.2, 0.4, 0.3} and {0.7, 0.1, 0.1, 0.1}, in float32. */
    private static final float[] KL_LOG_TARGET = {-2.30258512f, -1.60943794f, -0.9162907f, -1.20397282f,
        -0.356674969f, -2.30258512f, -2.30258512f, -2.30258512f};
    private static final float[] UPSTREAM = {1f, -0.5f, 0.25f, 2f, 3f, -1f, 0.5f, 1.5f};

    @Test
    void bceMean() {
        checkReduced(new BceLoss(), PROBABILITIES, BCE_TARGET, 2.82441863f,
                new float[] {-0.0694444463f, 0.0781250003f, 0f, 0f, -0.0412087932f, -0.0520833313f, 1.24999993e+10f, -0.328947378f});
    }

    @Test
    void bceSum() {
        checkReduced(new BceLoss(null, Reduction.SUM), PROBABILITIES, BCE_TARGET, 22.5953491f,
                new float[] {-0.55555557f, 0.625000002f, 0f, 0f, -0.329670345f, -0.41666665f, 9.99999944e+10f, -2.63157903f});
    }

    @Test
    void bceUnreduced() {
        checkUnreduced(new BceLoss(null, Reduction.NONE), PROBABILITIES, BCE_TARGET,
                new float[] {0.105360542f, 0.223143555f, 0f, 0f, 0.740302524f, 0.591918621f, 19.9999988f, 0.934625019f},
                new float[] {-1.11111114f, -0.625000002f, 0f, 0f, -1.97802207f, 0.8333333f, 9.99999944e+10f, -7.89473708f});
    }

    @Test
    void weightedBceMean() {
        try (Arena arena = Arena.ofConfined()) {
            checkReduced(new BceLoss(Tensor.of(arena, COLUMN_WEIGHTS, 4), Reduction.MEAN), PROBABILITIES, BCE_TARGET,
                    5.32997861f, new float[] {-0.0347222231f, 0.0781250003f, 0f, 0f, -0.0206043966f, -0.0520833313f,
                        2.49999986e+10f, -0.493421068f});
        }
    }

    @Test
    void weightedBceSum() {
        try (Arena arena = Arena.ofConfined()) {
            checkReduced(new BceLoss(Tensor.of(arena, COLUMN_WEIGHTS, 1, 4), Reduction.SUM), PROBABILITIES, BCE_TARGET,
                    42.6398289f, new float[] {-0.277777785f, 0.625000002f, 0f, 0f, -0.164835173f, -0.41666665f,
                        1.99999989e+11f, -3.94736854f});
        }
    }

    @Test
    void weightedBceUnreduced() {
        try (Arena arena = Arena.ofConfined()) {
            checkUnreduced(new BceLoss(Tensor.of(arena, COLUMN_WEIGHTS, 4), Reduction.NONE), PROBABILITIES, BCE_TARGET,
                    new float[] {0.0526802711f, 0.223143555f, 0f, 0f, 0.370151262f, 0.591918621f, 39.9999976f, 1.40193753f},
                    new float[] {-0.55555557f, -0.625000002f, 0f, 0f, -0.989011036f, 0.8333333f, 1.99999989e+11f,
                        -11.8421056f});
        }
    }

    @Test
    void klMean() {
        checkReduced(new KlDivLoss(), LOG_PROBABILITIES, KL_TARGET, 0.0284898145f,
                new float[] {-0.00625000009f, 0f, -0.0375000015f, -0.0187500007f, -0.015625f, -0.015625f, -0.015625f, -0.015625f});
    }

    @Test
    void klSum() {
        checkReduced(new KlDivLoss(Reduction.SUM, false), LOG_PROBABILITIES, KL_TARGET, 0.227918516f,
                new float[] {-0.0500000007f, 0f, -0.300000012f, -0.150000006f, -0.125f, -0.125f, -0.125f, -0.125f});
    }

    @Test
    void klUnreduced() {
        checkUnreduced(new KlDivLoss(Reduction.NONE, false), LOG_PROBABILITIES, KL_TARGET,
                new float[] {-0.0233385758f, 0f, -0.0849757703f, 0.199567961f, -0.128333776f, 0.0966662178f, 0.221666218f,
                    -0.0533337584f},
                new float[] {-0.100000001f, 0f, -0.150000006f, -0.600000024f, -0.75f, 0.25f, -0.125f, -0.375f});
    }

    @Test
    void klBatchMean() {
        KlDivLoss loss = KlDivLoss.batchMean(false);
        assertThat(loss.isBatchMean()).isTrue();
        assertThat(loss.reduction()).isEqualTo(Reduction.MEAN);
        checkReduced(loss, LOG_PROBABILITIES, KL_TARGET, 0.113959258f,
                new float[] {-0.0250000004f, 0f, -0.150000006f, -0.075000003f, -0.0625f, -0.0625f, -0.0625f, -0.0625f});
    }

    @Test
    void klLogTargetMean() {
        checkReduced(new KlDivLoss(Reduction.MEAN, true), LOG_PROBABILITIES, KL_LOG_TARGET, 0.0677320368f,
                new float[] {-0.0062499998f, -0.0124999996f, -0.0250000008f, -0.0187499998f, -0.0437499989f, -0.0062499998f,
                    -0.0062499998f, -0.0062499998f});
    }

    @Test
    void klLogTargetBatchMean() {
        checkReduced(KlDivLoss.batchMean(true), LOG_PROBABILITIES, KL_LOG_TARGET, 0.270928147f,
                new float[] {-0.0249999992f, -0.0499999985f, -0.100000003f, -0.0749999991f, -0.174999996f, -0.0249999992f,
                    -0.0249999992f, -0.0249999992f});
    }

    @Test
    void klLogTargetUnreduced() {
        checkUnreduced(new KlDivLoss(Reduction.NONE, true), LOG_PROBABILITIES, KL_LOG_TARGET,
                new float[] {-0.0233385794f, 0.391952264f, -0.218836565f, 0.199567935f, 0.361398992f, -0.0529625876f,
                    -0.00296258917f, -0.112962576f},
                new float[] {-0.0999999968f, 0.099999997f, -0.100000003f, -0.599999993f, -2.09999995f, 0.0999999968f,
                    -0.0499999984f, -0.149999995f});
    }

    @Test
    void refusals() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor target = Tensor.of(arena, BCE_TARGET, 2, 4);
            assertThatThrownBy(() -> new BceLoss().forward(Tensor.of(arena, new float[] {0.5f, 1.2f}, 2),
                    Tensor.zeros(arena, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1]").hasMessageContaining("1.2");
            assertThatThrownBy(() -> new BceLoss().forward(Tensor.of(arena, new float[] {Float.NaN}, 1),
                    Tensor.zeros(arena, 1), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
            assertThatThrownBy(() -> new BceLoss(Tensor.zeros(arena, 2), Reduction.MEAN)
                    .forward(Tensor.of(arena, PROBABILITIES, 2, 4), target, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight of shape [2]")
                    .hasMessageContaining("[2, 4]");
            assertThatThrownBy(() -> new KlDivLoss().forward(Tensor.zeros(arena, 2, 4), Tensor.zeros(arena, 2, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 4]");
            // an int64 target would otherwise be read as floats: a wrong answer, for every elementwise loss
            Tensor longs = Tensor.zeros(arena, DType.INT64, 2, 4);
            for (Loss loss : new Loss[] {new KlDivLoss(), new BceLoss(), new MseLoss(), new L1Loss(), new HuberLoss(),
                new BceWithLogitsLoss()}) {
                assertThatThrownBy(() -> loss.forward(Tensor.zeros(arena, 2, 4), longs, arena))
                        .as(loss.getClass().getSimpleName())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target must be FLOAT32");
            }
        }
    }

    private static void checkReduced(Loss loss, float[] input, float[] target, float expected, float[] gradient) {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(loss.forward(Tensor.of(arena, input, 2, 4), Tensor.of(arena, target, 2, 4), arena))
                    .isCloseTo(expected, within(4e-6f));
            assertClose(loss.backward(Tensor.scalar(arena, 0.5f), arena).toFloatArray(), gradient);
        }
    }

    private static void checkUnreduced(Loss loss, float[] input, float[] target, float[] expected, float[] gradient) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor l = loss.forwardTensor(Tensor.of(arena, input, 2, 4), Tensor.of(arena, target, 2, 4), arena);
            assertThat(l.shape()).containsExactly(2, 4);
            assertClose(l.toFloatArray(), expected);
            assertClose(loss.backward(Tensor.of(arena, UPSTREAM, 2, 4), arena).toFloatArray(), gradient);
        }
    }

    /** Within 2e-6, relative beyond 1: the gradients at a probability of exactly 1 are 1e10 and more. */
    private static void assertClose(float[] actual, float[] expected) {
        TorchValues.assertClose("values", actual, expected);
    }
}
