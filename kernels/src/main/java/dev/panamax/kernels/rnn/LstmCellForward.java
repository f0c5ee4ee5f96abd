package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of an LSTM step in one pass: the four gates (i, f, g, o) arrive as pre-activations, the
 * input projection plus the recurrent product, and each unit's gates, cell and output are computed
 * together while they are in registers:
 * <pre>
 *   i = sigmoid(.), f = sigmoid(.), g = tanh(.), o = sigmoid(.)    (bias added here)
 *   c = f c_prev + i g,   h = o tanh(c)
 * </pre>
 * The activated gates overwrite their pre-activations: they are what backward needs.
 */
final class LstmCellForward {

    private LstmCellForward() {
    }

    /**
     * @param s      the gate row ({@code [4H]} at {@code gates}) and the cell state written at {@code c}
     * @param b      the summed bias {@code b_ih + b_hh} ({@code [4H]} at {@code bias})
     * @param cp     the previous cell state at {@code cPrev}
     * @param y      where h goes (the layer's output row)
     * @param next   a second copy of h (the next step's state row, or the final state), or null
     * @param cFinal the final cell state, or null when the sequence goes on
     */
    static void row(int hidden, MemorySegment s, long gates, long c, MemorySegment b, long bias, MemorySegment cp,
                    long cPrev, MemorySegment y, long yAt, MemorySegment next, long nextAt, MemorySegment cFinal,
                    long cFinalAt) {
        long gi = gates;
        long gf = gates + hidden;
        long gg = gates + 2L * hidden;
        long go = gates + 3L * hidden;
        long bi = bias;
        long bf = bias + hidden;
        long bg = bias + 2L * hidden;
        long bo = bias + 3L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector i = GateMath.sigmoid(FloatLanes.load(s, gi + k).add(FloatLanes.load(b, bi + k)));
            FloatVector f = GateMath.sigmoid(FloatLanes.load(s, gf + k).add(FloatLanes.load(b, bf + k)));
            FloatVector g = GateMath.tanh(FloatLanes.load(s, gg + k).add(FloatLanes.load(b, bg + k)));
            FloatVector o = GateMath.sigmoid(FloatLanes.load(s, go + k).add(FloatLanes.load(b, bo + k)));
            FloatVector cv = f.fma(FloatLanes.load(cp, cPrev + k), i.mul(g));
            FloatVector h = o.mul(GateMath.tanh(cv));
            FloatLanes.store(i, s, gi + k);
            FloatLanes.store(f, s, gf + k);
            FloatLanes.store(g, s, gg + k);
            FloatLanes.store(o, s, go + k);
            FloatLanes.store(cv, s, c + k);
            FloatLanes.store(h, y, yAt + k);
            if (next != null) {
                FloatLanes.store(h, next, nextAt + k);
            }
            if (cFinal != null) {
                FloatLanes.store(cv, cFinal, cFinalAt + k);
            }
        }
        for (; k < hidden; k++) {
            float i = GateMath.sigmoid(FloatLanes.get(s, gi + k) + FloatLanes.get(b, bi + k));
            float f = GateMath.sigmoid(FloatLanes.get(s, gf + k) + FloatLanes.get(b, bf + k));
            float g = GateMath.tanh(FloatLanes.get(s, gg + k) + FloatLanes.get(b, bg + k));
            float o = GateMath.sigmoid(FloatLanes.get(s, go + k) + FloatLanes.get(b, bo + k));
            float cv = f * FloatLanes.get(cp, cPrev + k) + i * g;
            float h = o * GateMath.tanh(cv);
            FloatLanes.set(s, gi + k, i);
            FloatLanes.set(s, gf + k, f);
            FloatLanes.set(s, gg + k, g);
            FloatLanes.set(s, go + k, o);
            FloatLanes.set(s, c + k, cv);
            FloatLanes.set(y, yAt + k, h);
            if (next != null) {
                FloatLanes.set(next, nextAt + k, h);
            }
            if (cFinal != null) {
                FloatLanes.set(cFinal, cFinalAt + k, cv);
            }
        }
    }
}
