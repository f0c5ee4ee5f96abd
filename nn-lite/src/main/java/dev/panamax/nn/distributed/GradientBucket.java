package dev.panamax.nn.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Parameters whose gradients are all-reduced together, in one flat buffer: one collective of a
 * few hundred KB to a few MB costs far less than one per parameter (each has a fixed latency),
 * and a bucket can start as soon as its own parameters' gradients are complete.
 */
final class GradientBucket {

    final List<Parameter> params;
    private final long[] offsets;
    final long floats;
    final MemorySegment flat;
    /** Parameters of this bucket whose gradients are complete (and copied in) this step. */
    int ready;
    /** The reduction in flight, or null before launch. */
    Communicator.Reduction reduction;

    GradientBucket(List<Parameter> params, Arena arena) {
        this.params = List.copyOf(params);
        this.offsets = new long[params.size()];
        long n = 0;
        for (int i = 0; i < params.size(); i++) {
            offsets[i] = n;
            n += params.get(i).numel();
        }
        this.floats = n;
        this.flat = arena.allocate(Math.max(1, n) * Float.BYTES, 64);
    }

    /** Copies the gradient of parameter {@code i} of this bucket into the flat buffer. */
    void gather(int i) {
        Tensor g = params.get(i).grad();
        MemorySegment.copy(g.segment(), g.offset() * Float.BYTES, flat, offsets[i] * Float.BYTES, g.numel() * Float.BYTES);
    }

    /** Copies the reduced sums back into the gradients, times {@code scale} (1 / ranks: the mean). */
    void scatter(float scale) {
        Blas1.sscal(floats, scale, flat, 0);
        for (int i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).grad();
            MemorySegment.copy(flat, offsets[i] * Float.BYTES, g.segment(), g.offset() * Float.BYTES, g.numel() * Float.BYTES);
        }
    }

}
