package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of an Elman RNN step: {@code h = tanh(a + b)} (or relu), where {@code a} is the input
 * projection plus the recurrent product. h also overwrites {@code a}: it is what backward needs.
 */
final class ElmanCellForward {

    private ElmanCellForward() {
    }

    /** See {@link LstmCellForward#row} for the operands; {@code tanh} false means relu. */
    static void row(int hidden, boolean tanh, MemorySegment s, long gates, MemorySegment b, long bias, MemorySegment y,
                    long yAt, MemorySegment next, long nextAt) {
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector h = GateMath.elman(FloatVector.fromMemorySegment(SPECIES, s, (gates + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, b, (bias + k) * Float.BYTES, ORDER)), tanh);
            h.intoMemorySegment(s, (gates + k) * Float.BYTES, ORDER);
            h.intoMemorySegment(y, (yAt + k) * Float.BYTES, ORDER);
            if (next != null) {
                h.intoMemorySegment(next, (nextAt + k) * Float.BYTES, ORDER);
            }
        }
        for (; k < hidden; k++) {
            float h = GateMath.elman(FloatLanes.get(s, gates + k) + FloatLanes.get(b, bias + k), tanh);
            FloatLanes.set(s, gates + k, h);
            FloatLanes.set(y, yAt + k, h);
            if (next != null) {
                FloatLanes.set(next, nextAt + k, h);
            }
        }
    }
}
