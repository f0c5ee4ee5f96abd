package dev.panamax.nn.optim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** Per-parameter state buffers of an optimizer: zeroed, 64-byte aligned, in one shared arena. */
final class OptimizerState implements AutoCloseable {

    private final Arena arena = Arena.ofShared();
    private final MemorySegment[][] buffers;

    /** {@code perParameter} zeroed buffers the size of each parameter. */
    OptimizerState(List<Parameter> params, int perParameter) {
        buffers = new MemorySegment[params.size()][perParameter];
        for (int i = 0; i < params.size(); i++) {
            for (int k = 0; k < perParameter; k++) {
                buffers[i][k] = arena.allocate(Math.max(1, params.get(i).numel()) * Float.BYTES, 64);
            }
        }
    }

    MemorySegment buffer(int parameter, int which) {
        return buffers[parameter][which];
    }

    @Override
    public void close() {
        arena.close();
    }
}
