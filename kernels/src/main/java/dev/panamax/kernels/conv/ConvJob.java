package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.parallel.WorkerPool;

/**
 * A parallel convolution call's tensors as fields of a reusable job (see {@link WorkerPool.Job}):
 * the input, weight, bias and output (the output's gradient backward), the gradients written
 * backward, and the workspace. Each kind of split adds what it divides.
 */
abstract class ConvJob extends WorkerPool.Job {

    int images;
    ConvGeometry g;
    MemorySegment x;
    long xOff;
    MemorySegment w;
    long wOff;
    MemorySegment bias;
    long bOff;
    /** y, or dy backward. */
    MemorySegment y;
    long yOff;
    MemorySegment dx;
    long dxOff;
    MemorySegment dw;
    long dwOff;
    MemorySegment db;
    long dbOff;
    MemorySegment work;
    long workOff;

    /** The images, their (per-group) geometry, and the workspace the blocks take their slices of. */
    final void problem(int images, ConvGeometry g, MemorySegment work, long workOff) {
        this.images = images;
        this.g = g;
        this.work = work;
        this.workOff = workOff;
    }

    /** x, w, and y (dy backward). */
    final void operands(MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment y, long yOff) {
        this.x = x;
        this.xOff = xOff;
        this.w = w;
        this.wOff = wOff;
        this.y = y;
        this.yOff = yOff;
    }

    /** The gradients a backward call writes (each may be null). */
    final void gradients(MemorySegment dx, long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff) {
        this.dx = dx;
        this.dxOff = dxOff;
        this.dw = dw;
        this.dwOff = dwOff;
        this.db = db;
        this.dbOff = dbOff;
    }

    @Override
    protected void clear() {
        g = null;
        x = w = bias = y = dx = dw = db = work = null;
    }
}
