package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.parallel.WorkerPool;

/**
 * A pooling pass over planes split between threads, its arguments as fields of a reusable job
 * (see {@link WorkerPool.Job}): the input x (forward) or dy, the output y or dx. Each pool adds
 * what its pass needs besides.
 */
abstract class PlaneJob extends WorkerPool.RangeJob {

    boolean forward;
    PoolGeometry g;
    MemorySegment in;
    long inOff;
    MemorySegment out;
    long outOff;

    /** Runs the pass over {@code planes} planes on the pool; the job is released when this returns. */
    final void split(boolean forward, long planes, PoolGeometry g, MemorySegment in, long inOff, MemorySegment out,
                     long outOff) {
        this.forward = forward;
        this.g = g;
        this.in = in;
        this.inOff = inOff;
        this.out = out;
        this.outOff = outOff;
        WorkerPool.forRange(planes, MaxPool2d.minPlanes(g), 1, this);
    }

    @Override
    protected void clear() {
        g = null;
        in = out = null;
    }
}
