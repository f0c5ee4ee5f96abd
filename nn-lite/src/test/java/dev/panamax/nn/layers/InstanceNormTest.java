package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/** InstanceNorm2d (affine) against PyTorch 1.13 in float64, forward and backward; InstanceNorm1d against it; one image as a batch of one; Identity. */
class InstanceNormTest {

    private static final float[] X = {-2.5f, -1.625f, -0.75f, 0.125f, 1f, 1.875f, 2.75f, -2.375f,
            -1.5f, -0.625f, 0.25f, 1.125f, 2f, 2.875f, -2.25f, -1.375f,
            -0.5f, 0.375f, 1.25f, 2.125f, 3f, -2.125f, -1.25f, -0.375f,
            0.5f, 1.375f, 2.25f, 3.125f, -2f, -1.125f, -0.25f, 0.625f,
            1.5f, 2.375f, 3.25f, -1.875f, -2f, 0.625f, 3.25f, 5.875f,
            8.5f, 11.125f, -4.25f, -1.625f, 1f, 3.625f, 6.25f, 8.875f};

    @Test
    void matchesPyTorch() {
        try (Arena arena = Arena.ofConfined()) {
            InstanceNorm2d norm = new InstanceNorm2d(2, 1e-5f, true);
            norm.loadStateDict(Map.of("weight", Tensor.of(arena, new float[] {1.5f, -0.5f}, 2),
                    "bias", Tensor.of(arena, new float[] {0.25f, 2f}, 2)));
            Tensor y = norm.forward(Tensor.of(arena, X, 2, 2, 3, 4), arena);
            assertClose(y.toFloatArray(), new float[] {-1.91745746f, -1.09733842f, -0.277219382f, 0.542899657f, 1.3630187f, 2.18313774f, 3.00325677f, -1.8002976f,
            -0.980178559f, -0.16005952f, 0.66005952f, 1.48017856f, 1.53631766f, 1.29588977f, 2.70411023f, 2.46368234f,
            2.22325446f, 1.98282658f, 1.7423987f, 1.50197081f, 1.26154293f, 2.66976339f, 2.4293355f, 2.18890762f,
            -0.0179136658f, 0.732244599f, 1.48240286f, 2.23256113f, -2.16122299f, -1.41106473f, -0.660906464f, 0.0892518005f,
            0.839410065f, 1.58956833f, 2.33972659f, -2.05405753f, 2.58821378f, 2.30424851f, 2.02028323f, 1.73631796f,
            1.45235269f, 1.16838742f, 2.83161258f, 2.54764731f, 2.26368204f, 1.97971677f, 1.69575149f, 1.41178622f});
            float[] gy = new float[48];
            for (int i = 0; i < 48; i++) {
                gy[i] = (i % 7 - 3) / 4f;
            }
            assertClose(norm.backward(Tensor.of(arena, gy, 2, 2, 3, 4), arena).toFloatArray(), new float[] {0.0194547146f, 0.0173709425f, 0.0152871705f, 0.0132033984f, 0.0111196264f, 0.00903585431f, 0.00695208226f, -0.0143172137f,
            -0.0164009857f, -0.0184847578f, -0.0205685298f, -0.0226523019f, -0.00690669698f, -0.00497549141f, -0.00647345538f, -0.0045422498f,
            -0.00261104423f, -0.000679838658f, 0.00125136691f, 0.00318257249f, 0.00511377806f, 0.00361581409f, 0.00554701967f, 0.00747822524f,
            0.0247056918f, 0.0198290345f, 0.0149523772f, 0.0100757198f, 0.00802029382f, 0.00314363649f, -0.00173302084f, -0.00660967817f,
            -0.0114863355f, -0.0163629928f, -0.0212396502f, -0.0232950762f, -0.00248484582f, -0.00221782755f, -0.00195080928f, -0.00168379101f,
            -0.00141677274f, -0.00114975447f, 0.00114975447f, 0.00141677274f, 0.00168379101f, 0.00195080928f, 0.00221782755f, 0.00248484582f});
            assertClose(norm.parameters().get(0).grad().toFloatArray(), new float[] {11.6710265f, 11.7487629f});
            assertClose(norm.parameters().get(1).grad().toFloatArray(), new float[] {-0.5f, -0.25f});
        }
    }

    @Test
    void oneImageIsABatchOfOneAndIdentityPassesThrough() {
        try (Arena arena = Arena.ofConfined()) {
            InstanceNorm2d norm = new InstanceNorm2d(2);
            Tensor one = Tensor.of(arena, java.util.Arrays.copyOf(X, 24), 2, 3, 4);
            Tensor y = norm.forward(one, arena);
            assertThat(y.shape()).containsExactly(2, 3, 4);
            assertThat(y.toFloatArray()).containsExactly(norm.forward(one.unsqueeze(0), arena).toFloatArray());
            Identity id = new Identity();
            assertThat(id.forward(one, arena)).isSameAs(one);
            assertThat(id.backward(y, arena)).isSameAs(y);
        }
    }

    /**
     * InstanceNorm1d over {@code [2, 2, 12]} is the 2-d one over the same values as {@code [2, 2, 3, 4]}
     * (the statistics of each sample's channel over all its positions), outputs and gradients bit
     * for bit; one sequence runs as a batch of one; a wrong layout is refused by name.
     */
    @Test
    void oneDimensionalIsTheSameStatistics() {
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> affine = Map.of("weight", Tensor.of(arena, new float[] {1.5f, -0.5f}, 2),
                    "bias", Tensor.of(arena, new float[] {0.25f, 2f}, 2));
            InstanceNorm2d two = new InstanceNorm2d(2, 1e-5f, true);
            InstanceNorm1d one = new InstanceNorm1d(2, 1e-5f, true);
            two.loadStateDict(affine);
            one.loadStateDict(affine);
            float[] gy = new float[48];
            for (int i = 0; i < 48; i++) {
                gy[i] = (i % 7 - 3) / 4f;
            }
            assertThat(one.forward(Tensor.of(arena, X, 2, 2, 12), arena).toFloatArray())
                    .containsExactly(two.forward(Tensor.of(arena, X, 2, 2, 3, 4), arena).toFloatArray());
            assertThat(one.backward(Tensor.of(arena, gy, 2, 2, 12), arena).toFloatArray())
                    .containsExactly(two.backward(Tensor.of(arena, gy, 2, 2, 3, 4), arena).toFloatArray());
            assertThat(one.namedParameters().get("weight").grad().toFloatArray())
                    .containsExactly(two.namedParameters().get("weight").grad().toFloatArray());
            Tensor sequence = Tensor.of(arena, X, 2, 2, 12).select(0, 1);
            assertThat(one.forward(sequence, arena).shape()).containsExactly(2, 12);
            assertThat(one.forward(sequence, arena).toFloatArray())
                    .containsExactly(one.forward(Tensor.of(arena, X, 2, 2, 12), arena).select(0, 1).contiguous(arena).toFloatArray());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> one.forward(Tensor.zeros(arena, 2, 3, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, 2, L]");
        }
    }

    /**
     * track_running_stats: two training steps move the running statistics as PyTorch's do
     * (momentum 0.2, unbiased variances), then evaluation normalises by them; output and the
     * gradients of input, weight and bias against PyTorch 1.13 in float64, and the state_dict's names.
     */
    @Test
    void runningStatisticsMatchPyTorch() throws java.io.IOException {
        java.util.Map<String, float[]> v = dev.panamax.nn.TorchValues.read("/instancenorm/running.txt");
        try (Arena arena = Arena.ofConfined()) {
            InstanceNorm2d norm = new InstanceNorm2d(3, 1e-5f, 0.2f, true, true);
            norm.stateDict().get("weight").copyFrom(Tensor.of(arena, new float[] {1.5f, 0.5f, -1f}, 3));
            norm.stateDict().get("bias").copyFrom(Tensor.of(arena, new float[] {0.1f, -0.2f, 0.3f}, 3));
            assertThat(norm.stateDict().keySet()).containsExactly("weight", "bias", "running_mean", "running_var",
                    "num_batches_tracked");
            norm.forward(Tensor.of(arena, v.get("x1"), 2, 3, 4, 5), arena);
            norm.forward(Tensor.of(arena, v.get("x2"), 3, 3, 4, 5), arena);
            dev.panamax.nn.TorchValues.assertClose("running mean", norm.stateDict().get("running_mean").toFloatArray(),
                    v.get("running_mean"));
            dev.panamax.nn.TorchValues.assertClose("running var", norm.stateDict().get("running_var").toFloatArray(),
                    v.get("running_var"));
            assertThat(norm.stateDict().get("num_batches_tracked").getLong()).isEqualTo(2);
            norm.eval();
            Tensor x = Tensor.of(arena, v.get("x3"), 2, 3, 4, 5);
            dev.panamax.nn.TorchValues.assertClose("eval output", norm.forward(x, arena).toFloatArray(), v.get("y"));
            Tensor gx = norm.backward(Tensor.of(arena, v.get("u"), 2, 3, 4, 5), arena);
            dev.panamax.nn.TorchValues.assertClose("input gradient", gx.toFloatArray(), v.get("gx"));
            dev.panamax.nn.TorchValues.assertClose("weight gradient", norm.namedParameters().get("weight").grad().toFloatArray(),
                    v.get("gw"));
            dev.panamax.nn.TorchValues.assertClose("bias gradient", norm.namedParameters().get("bias").grad().toFloatArray(),
                    v.get("gb"));
            norm.train();
            assertThatThrownBy(() -> norm.forward(Tensor.zeros(arena, 2, 3, 1, 1), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1 spatial element");
        }
    }

    /**
     * PyTorch puts no bound on a norm's eps: 0 normalises by the bare standard deviation (a
     * transformer's {@code layer_norm_eps} too). A negative, infinite or NaN eps is refused.
     */
    @Test
    void epsZeroIsTheBareStandardDeviationAndBadEpsIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            // rows (1, 2, 3, 6) and (-1, 1, -1, 1): means 3 and 0, biased variances 3.5 and 1
            Tensor x = Tensor.of(arena, new float[] {1f, 2f, 3f, 6f, -1f, 1f, -1f, 1f}, 2, 4);
            float s = (float) Math.sqrt(3.5);
            assertClose(new LayerNorm(new long[] {4}, 0f, false).forward(x, arena).toFloatArray(),
                    new float[] {-2 / s, -1 / s, 0f, 3 / s, -1f, 1f, -1f, 1f});
            assertClose(new GroupNorm(1, 4, 0f, false).forward(x.view(2, 4, 1), arena).toFloatArray(),
                    new float[] {-2 / s, -1 / s, 0f, 3 / s, -1f, 1f, -1f, 1f});
        }
        for (float eps : new float[] {-1e-5f, Float.POSITIVE_INFINITY, Float.NaN}) {
            assertThatThrownBy(() -> new LayerNorm(new long[] {4}, eps, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eps >= 0");
            assertThatThrownBy(() -> new GroupNorm(1, 4, eps, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eps >= 0");
            assertThatThrownBy(() -> new BatchNorm2d(4, eps, 0.1f, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eps >= 0");
            assertThatThrownBy(() -> new InstanceNorm2d(4, eps, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eps >= 0");
            assertThatThrownBy(() -> new TransformerOptions(8, 2, 16, 0f, "relu", eps, true, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer_norm_eps >= 0");
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-5f));
        }
    }
}
