package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * The gate nonlinearities of a row, in place: every gate block of the row (i, f, g, o for LSTM;
 * r, z for GRU) gets its bias added and its sigmoid or tanh applied in one pass over the row,
 * with tanh computed as {@code 2 sigmoid(2x) - 1}.
 *
 * <p>Why one sigmoid for every gate, and why the cells' state updates live in methods of their
 * own: C2 stops inlining once a compilation's graph passes about 18000 nodes while parsing
 * ({@code NodeCountInliningCutoff}, fixed in product builds), and every Vector API call costs
 * hundreds of nodes before its intrinsic collapses them. A method holding two transcendental
 * functions already crossed that line (measured: two sigmoids in one loop), after which the
 * remaining vector calls stay real calls and every vector crossing them is boxed (44 MB per LSTM
 * forward). So each compiled method here holds one transcendental call site, and the methods pass
 * rows to each other through memory (the row is in L1), never vectors.
 */
final class GateActivation {

    private GateActivation() {
    }

    /**
     * Blocks {@code 0 .. blocks-1} of {@code hidden} floats at {@code gates} become
     * {@code sigmoid(x + bias)}, block {@code tanhBlock} (or none, -1) {@code tanh(x + bias)}.
     */
    static void apply(int hidden, int blocks, int tanhBlock, MemorySegment s, long gates, MemorySegment b, long bias) {
        for (int blk = 0; blk < blocks; blk++) {
            // tanh(x) = 2 sigmoid(2x) - 1: scale the input and output by a, shift by a - 1
            float a = blk == tanhBlock ? 2f : 1f;
            float shift = a - 1f;
            long at = gates + (long) blk * hidden;
            long bAt = bias + (long) blk * hidden;
            int k = 0;
            for (; k <= hidden - LANES; k += LANES) {
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, s, (at + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, b, (bAt + k) * Float.BYTES, ORDER)).mul(a);
                GateMath.sigmoid(x).mul(a).sub(shift).intoMemorySegment(s, (at + k) * Float.BYTES, ORDER);
            }
            for (; k < hidden; k++) {
                float x = FloatLanes.get(s, at + k) + FloatLanes.get(b, bAt + k);
                FloatLanes.set(s, at + k, blk == tanhBlock ? GateMath.tanh(x) : GateMath.sigmoid(x));
            }
        }
    }

    /** {@code out[0, n) = tanh(x[0, n))}. */
    static void tanh(int n, MemorySegment x, long xAt, MemorySegment out, long outAt) {
        int k = 0;
        for (; k <= n - LANES; k += LANES) {
            GateMath.tanh(FloatVector.fromMemorySegment(SPECIES, x, (xAt + k) * Float.BYTES, ORDER)).intoMemorySegment(out, (outAt + k) * Float.BYTES, ORDER);
        }
        for (; k < n; k++) {
            FloatLanes.set(out, outAt + k, GateMath.tanh(FloatLanes.get(x, xAt + k)));
        }
    }
}
