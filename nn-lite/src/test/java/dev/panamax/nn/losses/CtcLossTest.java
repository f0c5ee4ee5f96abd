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
 * CTCLoss against PyTorch 1.13's {@code ctc_loss} in float64 (values in
 * {@code src/test/resources/ctc}): three samples of 6, 5 and 3 frames with targets of 3 (a
 * repeated label, which needs a blank between), 2 and 1 labels, padded and concatenated, every
 * reduction; blank 4 with class 0 a label and one target its frames cannot align to, with and
 * without zero_infinity; one unbatched sample. Losses and the gradients with respect to the
 * log-probabilities.
 */
class CtcLossTest {

    private static final long[] INPUT_LENGTHS = {6, 5, 3};
    private static final long[] TARGET_LENGTHS = {3, 2, 1};

    @Test
    void everyReductionPaddedAndConcatenated() throws IOException {
        Map<String, float[]> v = TorchValues.read("/ctc/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor lp = Tensor.of(arena, v.get("lp"), 6, 3, 5);
            Tensor padded = Tensor.ofLongs(arena, new long[] {1, 2, 2, 0, 3, 1, 0, 0, 4, 0, 0, 0}, 3, 4);
            Tensor concatenated = Tensor.ofLongs(arena, new long[] {1, 2, 2, 3, 1, 4}, 6);
            for (Tensor targets : new Tensor[] {padded, concatenated}) {
                for (Reduction r : Reduction.values()) {
                    String key = "ctc." + r.pytorchName();
                    CtcLoss loss = new CtcLoss(0, r, false);
                    Tensor l = loss.forwardTensor(lp, targets, INPUT_LENGTHS, TARGET_LENGTHS, arena);
                    TorchValues.assertClose(key + " loss", l.toFloatArray(), v.get(key + ".loss"), 2e-6f);
                    Tensor up = r == Reduction.NONE ? Tensor.of(arena, v.get("u"), 3) : Tensor.scalar(arena, 0.5f);
                    TorchValues.assertClose(key + " gradient", loss.backward(up, arena).toFloatArray(), v.get(key + ".g"), 2e-6f);
                }
            }
        }
    }

    @Test
    void impossibleTargetsAndZeroInfinity() throws IOException {
        Map<String, float[]> v = TorchValues.read("/ctc/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor lp = Tensor.of(arena, v.get("lp"), 6, 3, 5);
            Tensor targets = Tensor.ofLongs(arena, new long[] {1, 1, 1, 0, 2, 3, 3, 3, 0}, 3, 3);
            long[] frames = {3, 6, 6};
            long[] labels = {3, 3, 2};
            Tensor up = Tensor.of(arena, new float[] {0f, -1f, 2f}, 3);
            for (boolean zero : new boolean[] {false, true}) {
                String key = "blank4.zi" + (zero ? 1 : 0);
                CtcLoss loss = new CtcLoss(4, Reduction.NONE, zero);
                float[] l = loss.forwardTensor(lp, targets, frames, labels, arena).toFloatArray();
                float[] g = loss.backward(up, arena).toFloatArray();
                float[] wantL = v.get(key + ".loss");
                float[] wantG = v.get(key + ".g");
                if (!zero) {
                    assertThat(l[0]).isEqualTo(Float.POSITIVE_INFINITY);
                    for (int f = 0; f < 3; f++) {           // PyTorch: NaN in the impossible sample's frames (inf times 0)
                        for (int k = 0; k < 5; k++) {
                            assertThat(wantG[f * 15 + k]).isNaN();
                            assertThat(g[f * 15 + k]).as("frame %d class %d", f, k).isNaN();
                        }
                    }
                    l[0] = wantL[0] = 0;
                    for (int f = 0; f < 6; f++) {
                        Arrays.fill(g, f * 15, f * 15 + 5, 0f);
                        Arrays.fill(wantG, f * 15, f * 15 + 5, 0f);
                    }
                }
                TorchValues.assertClose(key + " loss", l, wantL, 2e-6f);
                TorchValues.assertClose(key + " gradient", g, wantG, 2e-6f);
            }
        }
    }

    @Test
    void oneSample() throws IOException {
        Map<String, float[]> v = TorchValues.read("/ctc/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            float[] all = v.get("lp");
            float[] one = new float[30];
            for (int f = 0; f < 6; f++) {
                System.arraycopy(all, f * 15 + 5, one, f * 5, 5);
            }
            CtcLoss loss = new CtcLoss();
            float l = loss.forward(Tensor.of(arena, one, 6, 5), Tensor.ofLongs(arena, new long[] {3, 1}, 2), new long[] {5},
                    new long[] {2}, arena);
            TorchValues.assertClose("one loss", new float[] {l}, v.get("one.loss"), 2e-6f);
            TorchValues.assertClose("one gradient", loss.backward(Tensor.scalar(arena, 0.5f), arena).toFloatArray(),
                    v.get("one.g"), 2e-6f);
        }
    }

    @Test
    void refusals() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor lp = Tensor.zeros(arena, 4, 2, 3);
            Tensor targets = Tensor.ofLongs(arena, new long[] {1, 2, 2, 0}, 2, 2);
            CtcLoss loss = new CtcLoss();
            assertThatThrownBy(() -> loss.forward(lp, targets, new long[] {5, 4}, new long[] {2, 1}, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inputLengths[0] = 5");
            assertThatThrownBy(() -> loss.forward(lp, targets, new long[] {0, 4}, new long[] {2, 1}, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inputLengths[0] = 0");
            assertThatThrownBy(() -> loss.forward(lp, targets, new long[] {4, 4}, new long[] {2, 2}, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targets[1, 1] = 0")
                    .hasMessageContaining("blank");
            assertThatThrownBy(() -> loss.forward(lp, Tensor.ofLongs(arena, new long[] {1, 3, 2, 1}, 2, 2), new long[] {4, 4},
                    new long[] {2, 2}, arena)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targets[0, 1] = 3");
            assertThatThrownBy(() -> loss.forward(lp, targets, new long[] {4, 4}, new long[] {3, 1}, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targetLengths[0] = 3");
            assertThatThrownBy(() -> loss.forward(lp, targets, new long[] {4}, new long[] {2}, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one length per sample (2)");
            assertThatThrownBy(() -> loss.forward(lp, Tensor.ofLongs(arena, new long[] {1, 2}, 2), new long[] {4, 4},
                    new long[] {2, 1}, arena)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sum of the target lengths (3)");
        }
    }
}
