package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.panamax.nn.TorchValues.assertClose;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;

import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * LSTMCell, GRUCell and RNNCell (relu) against PyTorch 1.13 in float64: a loop of three steps from
 * given states, loss {@code sum_t <h_t, U_t> + <last state, V>} (the cell state for LSTM), then
 * backpropagation through the loop in reverse; the final states, the gradients of every step's
 * input, of the initial states and of every parameter (loaded by PyTorch's names) agree within
 * 2e-6. The values are in {@code src/test/resources/cells}, written by PyTorch for these cells.
 */
class RecurrentCellTest {

    @Test
    void lstmLoop() throws IOException {
        checkLoop("lstm", new LSTMCell(3, 4), 2);
    }

    @Test
    void gruLoop() throws IOException {
        checkLoop("gru", new GRUCell(3, 4), 2);
    }

    @Test
    void reluRnnLoop() throws IOException {
        checkLoop("rnn_relu", new RNNCell(3, 4, true, "relu"), 2);
    }

    @Test
    void unbatchedLstmWithoutBias() throws IOException {
        checkLoop("lstm_unbatched_nobias", new LSTMCell(3, 4, false), 0);
    }

    @Test
    void namesAndLayerForm() {
        LSTMCell cell = new LSTMCell(3, 4);
        assertThat(cell.namedParameters().keySet()).containsExactly("weight_ih", "weight_hh", "bias_ih", "bias_hh");
        assertThat(cell.namedParameters().get("weight_ih").value().shape()).containsExactly(16, 3);
        assertThat(new RNNCell(3, 4, false, "relu").toString()).contains("bias=False").contains("relu");
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, new float[] {0.5f, -1f, 2f, 0.1f, 0.2f, 0.3f}, 2, 3);
            Tensor h = cell.forward(x, arena);
            RecurrentCell.Step step = cell.forward(x, null, null, arena);
            assertThat(h.toFloatArray()).containsExactly(step.h().toFloatArray());
            Tensor gy = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
            float[] gx = cell.backward(gy, arena).toFloatArray();
            Recurrent.Gradients g = cell.backward(step, gy, null, arena);
            assertThat(g.x().toFloatArray()).containsExactly(gx);
            assertThat(g.h0()).isNull();
            assertThat(g.c0()).isNull();

            cell.eval();
            RecurrentCell.Step inference = cell.forward(x, null, null, arena);
            assertThat(inference.h().toFloatArray()).containsExactly(step.h().toFloatArray());
            assertThatThrownBy(() -> cell.backward(inference, gy, null, arena)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("eval mode");
        }
    }

    @Test
    void misuseIsRefused() {
        GRUCell cell = new GRUCell(3, 4);
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> cell.forward(Tensor.zeros(arena, 2, 5), null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, 3]").hasMessageContaining("[2, 5]");
            assertThatThrownBy(() -> cell.forward(Tensor.zeros(arena, 2, 3), Tensor.zeros(arena, 3, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("h must be float32 [2, 4]");
            assertThatThrownBy(() -> cell.forward(Tensor.zeros(arena, 3), Tensor.zeros(arena, 1, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("h must be float32 [4]");
            RecurrentCell.Step step = cell.forward(Tensor.zeros(arena, 2, 3), null, arena);
            assertThatThrownBy(() -> cell.backward(step, Tensor.zeros(arena, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradient of h must be float32 [2, 4]");
            LSTMCell lstm = new LSTMCell(3, 4);
            assertThatThrownBy(() -> lstm.backward(null, null, null, arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("step");
        }
    }

    private static void checkLoop(String name, RecurrentCell cell, int batch) throws IOException {
        Map<String, float[]> v = TorchValues.read("/cells/" + name + ".txt");
        boolean lstm = cell instanceof LSTMCell;
        int steps = 3;
        int inputs = 3;
        int hidden = 4;
        long[] xShape = batch == 0 ? new long[] {inputs} : new long[] {batch, inputs};
        long[] sShape = batch == 0 ? new long[] {hidden} : new long[] {batch, hidden};
        int xSize = inputs * Math.max(batch, 1);
        int sSize = hidden * Math.max(batch, 1);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> state = new HashMap<>();
            cell.namedParameters().forEach((k, p) -> state.put(k, Tensor.of(arena, v.get(k), p.value().shape())));
            cell.loadStateDict(state);
            Tensor h0 = Tensor.of(arena, v.get("h0"), sShape);
            Tensor c0 = lstm ? Tensor.of(arena, v.get("c0"), sShape) : null;
            RecurrentCell.Step[] loop = new RecurrentCell.Step[steps];
            Tensor h = h0;
            Tensor c = c0;
            for (int t = 0; t < steps; t++) {
                Tensor x = Tensor.of(arena, Arrays.copyOfRange(v.get("x"), t * xSize, (t + 1) * xSize), xShape);
                loop[t] = lstm ? ((LSTMCell) cell).forward(x, h, c, arena)
                        : cell instanceof GRUCell gru ? gru.forward(x, h, arena) : ((RNNCell) cell).forward(x, h, arena);
                h = loop[t].h();
                c = loop[t].c();
            }
            assertClose("h_T", h.toFloatArray(), v.get("hT"));
            if (lstm) {
                assertClose("c_T", c.toFloatArray(), v.get("cT"));
            }
            float[] gx = new float[steps * xSize];
            Tensor dhNext = Tensor.zeros(arena, sShape);
            Tensor dc = lstm ? Tensor.of(arena, v.get("V"), sShape) : null;
            for (int t = steps - 1; t >= 0; t--) {
                float[] dh = Arrays.copyOfRange(v.get("U"), t * sSize, (t + 1) * sSize);
                for (int i = 0; i < sSize; i++) {
                    dh[i] += dhNext.toFloatArray()[i] + (!lstm && t == steps - 1 ? v.get("V")[i] : 0f);
                }
                Tensor gh = Tensor.of(arena, dh, sShape);
                Recurrent.Gradients g = lstm ? ((LSTMCell) cell).backward(loop[t], gh, dc, arena)
                        : cell instanceof GRUCell gru ? gru.backward(loop[t], gh, arena) : ((RNNCell) cell).backward(loop[t], gh, arena);
                System.arraycopy(g.x().toFloatArray(), 0, gx, t * xSize, xSize);
                dhNext = g.h0();
                dc = g.c0();
            }
            assertClose("gradient of x", gx, v.get("gx"));
            assertClose("gradient of h0", dhNext.toFloatArray(), v.get("gh0"));
            if (lstm) {
                assertClose("gradient of c0", dc.toFloatArray(), v.get("gc0"));
            }
            for (Map.Entry<String, Parameter> e : cell.namedParameters().entrySet()) {
                assertClose("gradient of " + e.getKey(), e.getValue().grad().toFloatArray(), v.get("g_" + e.getKey()));
            }
        }
    }
}
