package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

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
            FloatVector i = FloatVector.fromMemorySegment(SPECIES, s, (gi + k) * Float.BYTES, ORDER);
            FloatVector f = FloatVector.fromMemorySegment(SPECIES, s, (gf + k) * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, s, (gg + k) * Float.BYTES, ORDER);
            FloatVector o = FloatVector.fromMemorySegment(SPECIES, s, (go + k) * Float.BYTES, ORDER);
            FloatVector tc = FloatVector.fromMemorySegment(SPECIES, w, (dO + k) * Float.BYTES, ORDER);
            FloatVector dhv = FloatVector.fromMemorySegment(SPECIES, dy, (dyAt + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, dh, (dhAt + k) * Float.BYTES, ORDER));
            FloatVector dcv = dhv.mul(o).fma(GateMath.tanhSlope(tc), FloatVector.fromMemorySegment(SPECIES, dc, (dcAt + k) * Float.BYTES, ORDER));
            dcv.mul(g).mul(GateMath.sigmoidSlope(i)).intoMemorySegment(w, (di + k) * Float.BYTES, ORDER);
            dcv.mul(FloatVector.fromMemorySegment(SPECIES, cp, (cPrev + k) * Float.BYTES, ORDER)).mul(GateMath.sigmoidSlope(f)).intoMemorySegment(w, (df + k) * Float.BYTES, ORDER);
            dcv.mul(i).mul(GateMath.tanhSlope(g)).intoMemorySegment(w, (dg + k) * Float.BYTES, ORDER);
            dhv.mul(tc).mul(GateMath.sigmoidSlope(o)).intoMemorySegment(w, (dO + k) * Float.BYTES, ORDER);
            dcv.mul(f).intoMemorySegment(w, (dcPrev + k) * Float.BYTES, ORDER);
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
