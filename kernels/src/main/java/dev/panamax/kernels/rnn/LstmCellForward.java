package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of an LSTM step. The four gates (i, f, g, o) arrive as pre-activations, the input
 * projection plus the recurrent product; {@link GateActivation} has turned them into
 * {@code sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)} in place (bias added), which backward needs,
 * and {@link #row} computes the cell and the output from them while the row is still in L1:
 * <pre>
 *   c = f c_prev + i g,   h = o tanh(c)
 * </pre>
 */
final class LstmCellForward {

    private LstmCellForward() {
    }

    /**
     * @param s      the activated gate row ({@code [4H]} at {@code gates}) and the cell state written at {@code c}
     * @param cp     the previous cell state at {@code cPrev}
     * @param y      where h goes (the layer's output row)
     * @param next   a second copy of h (the next step's state row, or the final state), or null
     * @param cFinal the final cell state, or null when the sequence goes on
     */
    static void row(int hidden, MemorySegment s, long gates, long c, MemorySegment cp, long cPrev, MemorySegment y,
                    long yAt, MemorySegment next, long nextAt, MemorySegment cFinal, long cFinalAt) {
        long gi = gates;
        long gf = gates + hidden;
        long gg = gates + 2L * hidden;
        long go = gates + 3L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector cv = FloatVector.fromMemorySegment(SPECIES, s, (gf + k) * Float.BYTES, ORDER).fma(FloatVector.fromMemorySegment(SPECIES, cp, (cPrev + k) * Float.BYTES, ORDER),
                    FloatVector.fromMemorySegment(SPECIES, s, (gi + k) * Float.BYTES, ORDER).mul(FloatVector.fromMemorySegment(SPECIES, s, (gg + k) * Float.BYTES, ORDER)));
            FloatVector h = FloatVector.fromMemorySegment(SPECIES, s, (go + k) * Float.BYTES, ORDER).mul(GateMath.tanh(cv));
            cv.intoMemorySegment(s, (c + k) * Float.BYTES, ORDER);
            h.intoMemorySegment(y, (yAt + k) * Float.BYTES, ORDER);
            if (next != null) {
                h.intoMemorySegment(next, (nextAt + k) * Float.BYTES, ORDER);
            }
            if (cFinal != null) {
                cv.intoMemorySegment(cFinal, (cFinalAt + k) * Float.BYTES, ORDER);
            }
        }
        for (; k < hidden; k++) {
            float cv = FloatLanes.get(s, gf + k) * FloatLanes.get(cp, cPrev + k)
                    + FloatLanes.get(s, gi + k) * FloatLanes.get(s, gg + k);
            float h = FloatLanes.get(s, go + k) * GateMath.tanh(cv);
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
