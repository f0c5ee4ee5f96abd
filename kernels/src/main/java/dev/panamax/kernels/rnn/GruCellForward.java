package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of a GRU step (gates r, z, n), in either formulation, each unit's gates and new state
 * computed together while they are in registers; the activated gates overwrite their
 * pre-activations for backward.
 *
 * <p>Reset after the product ({@link #resetAfter}, PyTorch's): the recurrent product of the n
 * gate, {@code W_hn h}, arrives in a row of its own because r scales it:
 * {@code n = tanh(x_n + b_in + r (W_hn h + b_hn))}. Reset before the product (the original
 * GRU): {@code n = tanh(x_n + W_hn (r h) + b_n)} needs r before the n product can start, so the
 * step is two passes around a second product: {@link #resetGates} writes r, z and {@code r h},
 * {@link #newState} finishes once {@code W_hn (r h)} has been added to the n gate.
 * Either way {@code h = (1 - z) n + z h_prev}.
 */
final class GruCellForward {

    private GruCellForward() {
    }

    /**
     * Reset after the product.
     *
     * @param s     the gate row {@code [3H]} at {@code gates} (r, z: input projection plus recurrent
     *              product; n: input projection only), and {@code W_hn h} at {@code hn}, which becomes
     *              {@code W_hn h + b_hn} (kept for backward)
     * @param b     {@code [b_ir + b_hr, b_iz + b_hz, b_in, b_hn]} ({@code [4H]}) at {@code bias}
     * @param hPrev the previous state (in {@code s})
     * @param y     where h goes; {@code next}: a second copy, or null
     */
    static void resetAfter(int hidden, MemorySegment s, long gates, long hn, long hPrev, MemorySegment b, long bias,
                           MemorySegment y, long yAt, MemorySegment next, long nextAt) {
        long gr = gates;
        long gz = gates + hidden;
        long gn = gates + 2L * hidden;
        long bz = bias + hidden;
        long bn = bias + 2L * hidden;
        long bhn = bias + 3L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector r = GateMath.sigmoid(FloatLanes.load(s, gr + k).add(FloatLanes.load(b, bias + k)));
            FloatVector z = GateMath.sigmoid(FloatLanes.load(s, gz + k).add(FloatLanes.load(b, bz + k)));
            FloatVector hnv = FloatLanes.load(s, hn + k).add(FloatLanes.load(b, bhn + k));
            FloatVector n = GateMath.tanh(r.fma(hnv, FloatLanes.load(s, gn + k).add(FloatLanes.load(b, bn + k))));
            FloatVector h = z.fma(FloatLanes.load(s, hPrev + k).sub(n), n);
            FloatLanes.store(r, s, gr + k);
            FloatLanes.store(z, s, gz + k);
            FloatLanes.store(n, s, gn + k);
            FloatLanes.store(hnv, s, hn + k);
            FloatLanes.store(h, y, yAt + k);
            if (next != null) {
                FloatLanes.store(h, next, nextAt + k);
            }
        }
        for (; k < hidden; k++) {
            float r = GateMath.sigmoid(FloatLanes.get(s, gr + k) + FloatLanes.get(b, bias + k));
            float z = GateMath.sigmoid(FloatLanes.get(s, gz + k) + FloatLanes.get(b, bz + k));
            float hnv = FloatLanes.get(s, hn + k) + FloatLanes.get(b, bhn + k);
            float n = GateMath.tanh(FloatLanes.get(s, gn + k) + FloatLanes.get(b, bn + k) + r * hnv);
            float h = n + z * (FloatLanes.get(s, hPrev + k) - n);
            FloatLanes.set(s, gr + k, r);
            FloatLanes.set(s, gz + k, z);
            FloatLanes.set(s, gn + k, n);
            FloatLanes.set(s, hn + k, hnv);
            FloatLanes.set(y, yAt + k, h);
            if (next != null) {
                FloatLanes.set(next, nextAt + k, h);
            }
        }
    }

    /**
     * Reset before the product, first pass: r and z from their pre-activations, and
     * {@code r h_prev} at {@code rh}, the operand of the n gate's recurrent product.
     */
    static void resetGates(int hidden, MemorySegment s, long gates, long rh, long hPrev, MemorySegment b, long bias) {
        long gz = gates + hidden;
        long bz = bias + hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector r = GateMath.sigmoid(FloatLanes.load(s, gates + k).add(FloatLanes.load(b, bias + k)));
            FloatVector z = GateMath.sigmoid(FloatLanes.load(s, gz + k).add(FloatLanes.load(b, bz + k)));
            FloatLanes.store(r, s, gates + k);
            FloatLanes.store(z, s, gz + k);
            FloatLanes.store(r.mul(FloatLanes.load(s, hPrev + k)), s, rh + k);
        }
        for (; k < hidden; k++) {
            float r = GateMath.sigmoid(FloatLanes.get(s, gates + k) + FloatLanes.get(b, bias + k));
            float z = GateMath.sigmoid(FloatLanes.get(s, gz + k) + FloatLanes.get(b, bz + k));
            FloatLanes.set(s, gates + k, r);
            FloatLanes.set(s, gz + k, z);
            FloatLanes.set(s, rh + k, r * FloatLanes.get(s, hPrev + k));
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
            FloatVector z = FloatLanes.load(s, gz + k);
            FloatVector n = GateMath.tanh(FloatLanes.load(s, gn + k).add(FloatLanes.load(b, bn + k)));
            FloatVector h = z.fma(FloatLanes.load(s, hPrev + k).sub(n), n);
            FloatLanes.store(n, s, gn + k);
            FloatLanes.store(h, y, yAt + k);
            if (next != null) {
                FloatLanes.store(h, next, nextAt + k);
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
