package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of a GRU step (gates r, z, n) after {@link GateActivation} has made r and z
 * {@code sigmoid(x + b)} in place; the n gate and the new state are computed here, in either
 * formulation, and n overwrites its pre-activation for backward.
 *
 * <p>Reset after the product ({@link #resetAfter}, PyTorch's): the recurrent product of the n
 * gate, {@code W_hn h}, arrives in a row of its own because r scales it:
 * {@code n = tanh(x_n + b_in + r (W_hn h + b_hn))}. Reset before the product (the original
 * GRU): {@code n = tanh(x_n + W_hn (r h) + b_n)} needs r before the n product can start, so the
 * step is two passes around a second product: {@link #resetProduct} writes {@code r h},
 * {@link #newState} finishes once {@code W_hn (r h)} has been added to the n gate.
 * Either way {@code h = (1 - z) n + z h_prev}.
 */
final class GruCellForward {

    private GruCellForward() {
    }

    /**
     * Reset after the product.
     *
     * @param s     the gate row {@code [3H]} at {@code gates} (r, z activated; n: the input projection),
     *              and {@code W_hn h} at {@code hn}, which becomes {@code W_hn h + b_hn} (kept for backward)
     * @param b     {@code [b_ir + b_hr, b_iz + b_hz, b_in, b_hn]} ({@code [4H]}) at {@code bias}
     * @param hPrev the previous state (in {@code s})
     * @param y     where h goes; {@code next}: a second copy, or null
     */
    static void resetAfter(int hidden, MemorySegment s, long gates, long hn, long hPrev, MemorySegment b, long bias,
                           MemorySegment y, long yAt, MemorySegment next, long nextAt) {
        long gz = gates + hidden;
        long gn = gates + 2L * hidden;
        long bn = bias + 2L * hidden;
        long bhn = bias + 3L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, s, (gz + k) * Float.BYTES, ORDER);
            FloatVector hnv = FloatVector.fromMemorySegment(SPECIES, s, (hn + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, b, (bhn + k) * Float.BYTES, ORDER));
            FloatVector n = GateMath.tanh(FloatVector.fromMemorySegment(SPECIES, s, (gates + k) * Float.BYTES, ORDER).fma(hnv,
                    FloatVector.fromMemorySegment(SPECIES, s, (gn + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, b, (bn + k) * Float.BYTES, ORDER))));
            FloatVector h = z.fma(FloatVector.fromMemorySegment(SPECIES, s, (hPrev + k) * Float.BYTES, ORDER).sub(n), n);
            n.intoMemorySegment(s, (gn + k) * Float.BYTES, ORDER);
            hnv.intoMemorySegment(s, (hn + k) * Float.BYTES, ORDER);
            h.intoMemorySegment(y, (yAt + k) * Float.BYTES, ORDER);
            if (next != null) {
                h.intoMemorySegment(next, (nextAt + k) * Float.BYTES, ORDER);
            }
        }
        for (; k < hidden; k++) {
            float z = FloatLanes.get(s, gz + k);
            float hnv = FloatLanes.get(s, hn + k) + FloatLanes.get(b, bhn + k);
            float n = GateMath.tanh(FloatLanes.get(s, gn + k) + FloatLanes.get(b, bn + k) + FloatLanes.get(s, gates + k) * hnv);
            float h = n + z * (FloatLanes.get(s, hPrev + k) - n);
            FloatLanes.set(s, gn + k, n);
            FloatLanes.set(s, hn + k, hnv);
            FloatLanes.set(y, yAt + k, h);
            if (next != null) {
                FloatLanes.set(next, nextAt + k, h);
            }
        }
    }

    /** Reset before the product, first pass: {@code r h_prev} at {@code rh}, the operand of the n gate's product. */
    static void resetProduct(int hidden, MemorySegment s, long gates, long rh, long hPrev) {
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector.fromMemorySegment(SPECIES, s, (gates + k) * Float.BYTES, ORDER).mul(FloatVector.fromMemorySegment(SPECIES, s, (hPrev + k) * Float.BYTES, ORDER)).intoMemorySegment(s, (rh + k) * Float.BYTES, ORDER);
        }
        for (; k < hidden; k++) {
            FloatLanes.set(s, rh + k, FloatLanes.get(s, gates + k) * FloatLanes.get(s, hPrev + k));
        }
    }

    /**
     * Reset before the product, second pass: {@code n = tanh(n_pre + b_n)} (its pre-activation now
     * holding {@code W_in x + W_hn (r h)}) and the new state.
     */
    static void newState(int hidden, MemorySegment s, long gates, long hPrev, MemorySegment b, long bias,
                         MemorySegment y, long yAt, MemorySegment next, long nextAt) {
        long gz = gates + hidden;
        long gn = gates + 2L * hidden;
        long bn = bias + 2L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, s, (gz + k) * Float.BYTES, ORDER);
            FloatVector n = GateMath.tanh(FloatVector.fromMemorySegment(SPECIES, s, (gn + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, b, (bn + k) * Float.BYTES, ORDER)));
            FloatVector h = z.fma(FloatVector.fromMemorySegment(SPECIES, s, (hPrev + k) * Float.BYTES, ORDER).sub(n), n);
            n.intoMemorySegment(s, (gn + k) * Float.BYTES, ORDER);
            h.intoMemorySegment(y, (yAt + k) * Float.BYTES, ORDER);
            if (next != null) {
                h.intoMemorySegment(next, (nextAt + k) * Float.BYTES, ORDER);
            }
        }
        for (; k < hidden; k++) {
            float z = FloatLanes.get(s, gz + k);
            float n = GateMath.tanh(FloatLanes.get(s, gn + k) + FloatLanes.get(b, bn + k));
            float h = n + z * (FloatLanes.get(s, hPrev + k) - n);
            FloatLanes.set(s, gn + k, n);
            FloatLanes.set(y, yAt + k, h);
            if (next != null) {
                FloatLanes.set(next, nextAt + k, h);
            }
        }
    }
}
