package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/** One row of an Elman RNN step backward: {@code da = (dy + dh_next) f'(h)}, from the saved output h. */
final class ElmanCellBackward {

    private ElmanCellBackward() {
    }

    static void row(int hidden, boolean tanh, MemorySegment s, long gates, MemorySegment dy, long dyAt, MemorySegment dh,
                    long dhAt, MemorySegment w, long dG) {
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, dy, (dyAt + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, dh, (dhAt + k) * Float.BYTES, ORDER));
            d.mul(GateMath.elmanSlope(FloatVector.fromMemorySegment(SPECIES, s, (gates + k) * Float.BYTES, ORDER), tanh)).intoMemorySegment(w, (dG + k) * Float.BYTES, ORDER);
        }
        for (; k < hidden; k++) {
            float d = FloatLanes.get(dy, dyAt + k) + FloatLanes.get(dh, dhAt + k);
            FloatLanes.set(w, dG + k, d * GateMath.elmanSlope(FloatLanes.get(s, gates + k), tanh));
        }
    }
}
