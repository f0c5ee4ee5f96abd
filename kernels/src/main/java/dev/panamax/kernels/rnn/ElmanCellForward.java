package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;

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
            FloatVector h = GateMath.elman(FloatLanes.load(s, gates + k).add(FloatLanes.load(b, bias + k)), tanh);
            FloatLanes.store(h, s, gates + k);
            FloatLanes.store(h, y, yAt + k);
            if (next != null) {
                FloatLanes.store(h, next, nextAt + k);
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
