package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of an LSTM step backward in one pass, from the saved activated gates, and
 * {@code tanh(c)}, which the driver has written where the o gate's gradient goes (a pass of its
 * own: see {@link GateActivation} on one transcendental function per compiled method):
 * <pre>
 *   dh = dy + dh_next,   tc = tanh(c),   dc = dc_next + dh o (1 - tc^2)
 *   di = dc g i (1 - i),   df = dc c_prev f (1 - f),   dg = dc i (1 - g^2),   do = dh tc o (1 - o)
 *   dc_prev = dc f
 * </pre>
 * The gradient of h_prev is the recurrent product {@code [di df dg do] W_hh}, made by the driver
 * for all rows of the step at once.
 */
final class LstmCellBackward {

    private LstmCellBackward() {
    }

    /**
     * @param s      the activated gates {@code [4H]} at {@code gates}
     * @param cp     the previous cell state at {@code cPrev}
     * @param dy     the output's gradient at {@code dyAt}
     * @param dh     the gradient reaching h from later (the next step, or the final state's)
     * @param dc     the gradient reaching c from later; may be the same floats as {@code dcPrev}
     * @param w      where the gate gradients ({@code [4H]} at {@code dGates}) and dc_prev go; the
     *               o block holds {@code tanh(c)} on entry
     */
    static void row(int hidden, MemorySegment s, long gates, MemorySegment cp, long cPrev, MemorySegment dy,
                    long dyAt, MemorySegment dh, long dhAt, MemorySegment dc, long dcAt, MemorySegment w, long dGates,
                    long dcPrev) {
        long gi = gates;
        long gf = gates + hidden;
        long gg = gates + 2L * hidden;
        long go = gates + 3L * hidden;
        long di = dGates;
        long df = dGates + hidden;
        long dg = dGates + 2L * hidden;
        long dO = dGates + 3L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector i = FloatLanes.load(s, gi + k);
            FloatVector f = FloatLanes.load(s, gf + k);
            FloatVector g = FloatLanes.load(s, gg + k);
            FloatVector o = FloatLanes.load(s, go + k);
            FloatVector tc = FloatLanes.load(w, dO + k);
            FloatVector dhv = FloatLanes.load(dy, dyAt + k).add(FloatLanes.load(dh, dhAt + k));
            FloatVector dcv = dhv.mul(o).fma(GateMath.tanhSlope(tc), FloatLanes.load(dc, dcAt + k));
            FloatLanes.store(dcv.mul(g).mul(GateMath.sigmoidSlope(i)), w, di + k);
            FloatLanes.store(dcv.mul(FloatLanes.load(cp, cPrev + k)).mul(GateMath.sigmoidSlope(f)), w, df + k);
            FloatLanes.store(dcv.mul(i).mul(GateMath.tanhSlope(g)), w, dg + k);
            FloatLanes.store(dhv.mul(tc).mul(GateMath.sigmoidSlope(o)), w, dO + k);
            FloatLanes.store(dcv.mul(f), w, dcPrev + k);
        }
        for (; k < hidden; k++) {
            float i = FloatLanes.get(s, gi + k);
            float f = FloatLanes.get(s, gf + k);
            float g = FloatLanes.get(s, gg + k);
            float o = FloatLanes.get(s, go + k);
            float tc = FloatLanes.get(w, dO + k);
            float dhv = FloatLanes.get(dy, dyAt + k) + FloatLanes.get(dh, dhAt + k);
            float dcv = FloatLanes.get(dc, dcAt + k) + dhv * o * (1f - tc * tc);
            FloatLanes.set(w, di + k, dcv * g * (i - i * i));
            FloatLanes.set(w, df + k, dcv * FloatLanes.get(cp, cPrev + k) * (f - f * f));
            FloatLanes.set(w, dg + k, dcv * i * (1f - g * g));
            FloatLanes.set(w, dO + k, dhv * tc * (o - o * o));
            FloatLanes.set(w, dcPrev + k, dcv * f);
        }
    }
}
