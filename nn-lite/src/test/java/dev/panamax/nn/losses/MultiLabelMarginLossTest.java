package dev.panamax.nn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * MultiLabelMarginLoss against PyTorch 1.13 in float64 (values in
 * {@code src/test/resources/multilabelmargin}): lists ended by -1 with entries after it, a class
 * listed twice, every class listed, an empty list, and a pair exactly at the margin's corner (no
 * gradient); every reduction, the gradient for an upstream 0.5 (mean, sum) or one per sample
 * (none); one sample of shape {@code [C]}.
 */
class MultiLabelMarginLossTest {

    private static final long[] SCORES = {5, 5};

    @Test
    void matchesPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/multilabelmargin/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, v.get("x"), SCORES);
            Tensor t = Tensor.ofLongs(arena, longs(v.get("t")), SCORES);
            for (Reduction r : Reduction.values()) {
                String key = "mlm." + r.pytorchName();
                MultiLabelMarginLoss loss = new MultiLabelMarginLoss(r);
                Tensor l = loss.forwardTensor(x, t, arena);
                TorchValues.assertClose(key + " loss", l.toFloatArray(), v.get(key + ".loss"), 3e-6f);
                assertThat(l.shape()).as(key + " shape").isEqualTo(r == Reduction.NONE ? new long[] {5} : new long[0]);
                Tensor up = r == Reduction.NONE ? Tensor.of(arena, v.get("u"), 5) : Tensor.scalar(arena, 0.5f);
                TorchValues.assertClose(key + " gradient", loss.backward(up, arena).toFloatArray(), v.get(key + ".g0"), 3e-6f);
            }
            MultiLabelMarginLoss loss = new MultiLabelMarginLoss();
            Tensor one = Tensor.of(arena, Arrays.copyOfRange(v.get("x"), 5, 10), 5);
            float l = loss.forward(one, Tensor.ofLongs(arena, new long[] {1, 1, -1, 4, 4}, 5), arena);
            TorchValues.assertClose("one sample loss", new float[] {l}, v.get("one.loss"), 3e-6f);
            TorchValues.assertClose("one sample gradient", loss.backward(Tensor.scalar(arena, 0.5f), arena).toFloatArray(),
                    v.get("one.g0"), 3e-6f);
        }
    }

    @Test
    void refusesBadTargets() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, 2, 4);
            MultiLabelMarginLoss loss = new MultiLabelMarginLoss();
            // PyTorch checks every entry, those after the list's -1 too
            assertThatThrownBy(() -> loss.forward(x, Tensor.ofLongs(arena, new long[] {3, 0, -1, 1, 1, -1, 0, 4}, 2, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target[1, 3] = 4");
            assertThatThrownBy(() -> loss.forward(x, Tensor.ofLongs(arena, new long[] {3, -2, 0, 0, 1, -1, 0, 0}, 2, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target[0, 1] = -2");
            assertThatThrownBy(() -> loss.forward(x, Tensor.ofLongs(arena, new long[] {0, 1, 2}, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target");
            assertThatThrownBy(() -> loss.forward(x, Tensor.zeros(arena, 2, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target");
            assertThatThrownBy(() -> loss.forward(Tensor.zeros(arena, 2, 0), Tensor.ofLongs(arena, new long[0], 2, 0), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one class");
        }
    }

    @Test
    void zeroDimensionalScoreIsOneClass() {
        try (Arena arena = Arena.ofConfined()) {
            MultiLabelMarginLoss loss = new MultiLabelMarginLoss(Reduction.NONE);
            Tensor l = loss.forwardTensor(Tensor.scalar(arena, 0.5f), Tensor.ofLongs(arena, new long[] {0}), arena);
            assertThat(l.shape()).isEmpty();
            assertThat(l.item()).isEqualTo(0f);       // PyTorch: 0 (no unlisted class)
        }
    }

    private static long[] longs(float[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (long) values[i];
        }
        return out;
    }
}
