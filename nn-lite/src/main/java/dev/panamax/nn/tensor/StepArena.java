package dev.panamax.nn.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The arena of one training step: activations, saved tensors, gradients and workspaces are
 * bump-allocated from one off-heap block, and {@link #reset()} frees them all at once before the
 * next step.
 *
 * <p>Why it exists: a step asks for the same buffers in the same order every time. The arena
 * remembers the i-th request of the last step; when the i-th request of this step has the same
 * size (and, for {@link Tensor#zeros}, the same dtype and shape) it hands back the very same
 * segment, zeroed. A steady-state step therefore creates no segments and touches no fresh pages
 * (fresh memory costs ~2 µs per 4 KiB page on these machines); only the small {@link Tensor}
 * objects are new, so that one kept past {@code reset()} can be recognised (using it is an
 * {@code IllegalStateException} naming it, not a silent read of the next step's data), unless
 * the arena was made by {@link #reusingTensors()}, which recycles those too. The first request
 * that differs forgets the rest of the record and allocates anew.
 * When a step overflows the block, the next {@code reset()} replaces it by one block large enough
 * for the whole step.
 *
 * <p>Every tensor allocated from the arena dies at {@code reset()} (its memory is reused) and at
 * {@link #close()} (accessing it then fails). Memory is shared: worker threads may read and write
 * it. The arena itself is used by one thread at a time.
 */
public final class StepArena implements Arena {

    private static final long DEFAULT_BLOCK_BYTES = 1L << 20;

    /**
     * One remembered request: the slice handed out, and the dtype, shape and strides of the
     * tensor over it when there was one (with that tensor, when handles are reused).
     */
    private static final class Entry {
        final long byteSize;
        final long alignment;
        final MemorySegment slice;
        final DType dtype;
        final long[] shape;
        final long[] strides;
        Tensor handle;

        Entry(long byteSize, long alignment, MemorySegment slice, DType dtype, long[] shape) {
            this.byteSize = byteSize;
            this.alignment = alignment;
            this.slice = slice;
            this.dtype = dtype;
            this.shape = shape;
            this.strides = shape == null ? null : Tensor.rowMajorStrides(shape);
        }

        boolean matches(long byteSize, long alignment, DType dtype, long[] shape) {
            return this.byteSize == byteSize && this.alignment == alignment && this.dtype == dtype
                    && (shape == null ? this.shape == null : this.shape != null && Arrays.equals(this.shape, shape));
        }
    }

    /** One shared arena per block, so that outgrown blocks can be freed. */
    private final List<Arena> blockArenas = new ArrayList<>();
    private final List<MemorySegment> blocks = new ArrayList<>();
    private final List<Entry> record = new ArrayList<>();
    private final boolean reuseTensors;
    /**
     * One shape array per rank up to 4, refilled for each fixed-rank request: a request never
     * keeps the array it is given (the record keeps a copy), so one per arena serves every call.
     */
    private final long[][] scratchShapes = {new long[1], new long[2], new long[3], new long[4]};
    private MemorySegment block;
    private long cursor;
    private int next;
    private long stepBytes;
    /** The step: tensors of an earlier one are dead ({@link Tensor#segment()} refuses them). */
    private long generation;

    /** An arena with a 1 MiB first block (it grows to what a step needs). */
    public StepArena() {
        this(DEFAULT_BLOCK_BYTES);
    }

    /** An arena whose first block holds {@code initialBytes}. */
    public StepArena(long initialBytes) {
        this(initialBytes, false);
    }

    private StepArena(long initialBytes, boolean reuseTensors) {
        if (initialBytes <= 0) {
            throw new IllegalArgumentException("initialBytes must be > 0, got " + initialBytes);
        }
        this.reuseTensors = reuseTensors;
        block = newBlock(initialBytes);
    }

    /**
     * An arena that recycles the {@link Tensor} objects as well as their memory: the i-th tensor
     * of a step that repeats the last step's request is the very same object, revived with the
     * views taken from it, so that a steady-state step allocates nothing at all, on or off the
     * heap. The price is the check on dead tensors: a tensor kept past {@code reset()} whose
     * request repeats in the next step reads that step's data instead of failing (one whose
     * request does not repeat still fails). For code that owns every tensor of the step and
     * keeps none across it: a {@code Predictor}, a training loop.
     */
    public static StepArena reusingTensors() {
        return new StepArena(DEFAULT_BLOCK_BYTES, true);
    }

    /**
     * Ends the step: every tensor allocated since the last reset is dead and its memory will be
     * handed out again. If the step overflowed the first block, one block for the whole step
     * replaces the old ones (and the record of requests starts over).
     */
    public void reset() {
        generation++;
        if (blocks.size() > 1) {
            long need = stepBytes + stepBytes / 4;
            freeBlocks();
            block = newBlock(need);
        }
        cursor = 0;
        next = 0;
        stepBytes = 0;
    }

    /** Bytes in use by the current step, alignment padding included. */
    public long bytesInUse() {
        return stepBytes;
    }

    /** Bytes reserved from the system by this arena. */
    public long bytesReserved() {
        return blocks.stream().mapToLong(MemorySegment::byteSize).sum();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return request(byteSize, byteAlignment, null, null, true).slice;
    }

    /**
     * Scratch memory for this step whose contents are undefined (an earlier step's data): for a
     * kernel's workspace, which kernels write before they read. {@link #allocate} zeroes, as an
     * {@code Arena} must; a LeNet-5 convolution's workspace is 1 MB, and zeroing it took two
     * thirds of a batch-1 forward.
     */
    public MemorySegment scratch(long byteSize, long byteAlignment) {
        return request(byteSize, byteAlignment, null, null, false).slice;
    }

    /**
     * A handle of its own on {@code t}'s memory that dies at the next {@code reset()} even when
     * this arena {@linkplain #reusingTensors() reuses tensors}: for a result handed to a caller
     * who may keep it too long, so that using it late fails instead of reading another step's data.
     */
    public Tensor handOut(Tensor t) {
        return t.handleFor(this, generation);
    }

    /** {@code [d0]} in this arena's scratch array of rank 1, valid until the next request. */
    long[] dims(long d0) {
        long[] s = scratchShapes[0];
        s[0] = d0;
        return s;
    }

    /** {@code [d0, d1]} in this arena's scratch array of rank 2. */
    long[] dims(long d0, long d1) {
        long[] s = scratchShapes[1];
        s[0] = d0;
        s[1] = d1;
        return s;
    }

    /** {@code [d0, d1, d2]} in this arena's scratch array of rank 3. */
    long[] dims(long d0, long d1, long d2) {
        long[] s = scratchShapes[2];
        s[0] = d0;
        s[1] = d1;
        s[2] = d2;
        return s;
    }

    /** {@code [d0, d1, d2, d3]} in this arena's scratch array of rank 4. */
    long[] dims(long d0, long d1, long d2, long d3) {
        long[] s = scratchShapes[3];
        s[0] = d0;
        s[1] = d1;
        s[2] = d2;
        s[3] = d3;
        return s;
    }

    /** The current step; {@link #reset()} starts the next. */
    long generation() {
        return generation;
    }

    /**
     * The tensor behind {@link Tensor#zeros} ({@code zeroed}) and {@link Tensor#empty} for this
     * arena, over memory recycled when the record allows. Skipping the zeroing of outputs that
     * kernels overwrite saves a pass over every activation (9 MB per LeNet step). The tensor
     * object is new each step, so one kept from an earlier step is recognised as dead.
     */
    Tensor tensor(DType dtype, long[] shape, boolean zeroed) {
        long bytes = Math.max(1, Tensor.product(shape)) * dtype.bytes();
        Entry e = request(bytes, Tensor.ALIGNMENT, dtype, shape, zeroed);
        if (!reuseTensors) {
            return Tensor.over(dtype, e.slice, e.shape, e.strides, this, generation);
        }
        if (e.handle == null) {
            e.handle = Tensor.over(dtype, e.slice, e.shape, e.strides, this, generation);
        } else {
            e.handle.renew(generation);
        }
        return e.handle;
    }

    private Entry request(long byteSize, long alignment, DType dtype, long[] shape, boolean zeroed) {
        if (byteSize < 0 || alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("invalid allocation: " + byteSize + " bytes aligned to " + alignment);
        }
        if (next < record.size()) {
            Entry e = record.get(next);
            if (e.matches(byteSize, alignment, dtype, shape)) {
                next++;
                advanceTo(e.slice, byteSize);
                if (zeroed) {
                    e.slice.fill((byte) 0);
                }
                return e;
            }
            record.subList(next, record.size()).clear();
        }
        MemorySegment slice = carve(byteSize, alignment);
        if (zeroed) {
            slice.fill((byte) 0);             // a reused block still holds an earlier step's data
        }
        Entry e = new Entry(byteSize, alignment, slice, dtype, shape == null ? null : shape.clone());
        record.add(e);
        next++;
        return e;
    }

    /** Keeps the bump pointer in step with a recycled slice (it lies where this step would carve it). */
    private void advanceTo(MemorySegment slice, long byteSize) {
        long start = slice.address() - block.address();
        stepBytes += (start - cursor) + byteSize;
        cursor = start + byteSize;
    }

    private MemorySegment carve(long byteSize, long alignment) {
        long start = alignUp(block.address() + cursor, alignment) - block.address();
        if (start + byteSize > block.byteSize()) {
            block = newBlock(Math.max(byteSize + alignment, block.byteSize()));
            cursor = 0;
            start = alignUp(block.address(), alignment) - block.address();
        }
        stepBytes += (start - cursor) + byteSize;
        cursor = start + byteSize;
        return block.asSlice(start, byteSize);
    }

    private MemorySegment newBlock(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment b = arena.allocate(bytes, Tensor.ALIGNMENT);
        blockArenas.add(arena);
        blocks.add(b);
        return b;
    }

    private void freeBlocks() {
        record.clear();
        blocks.clear();
        blockArenas.forEach(Arena::close);
        blockArenas.clear();
    }

    private static long alignUp(long address, long alignment) {
        return (address + alignment - 1) & -alignment;
    }

    /** The scope of the current block (segments of an outgrown block keep theirs until the next reset). */
    @Override
    public MemorySegment.Scope scope() {
        return blockArenas.getLast().scope();
    }

    /** Frees all memory; every tensor from this arena becomes inaccessible. */
    @Override
    public void close() {
        generation++;
        freeBlocks();
    }

    @Override
    public String toString() {
        return "StepArena[" + stepBytes + " of " + bytesReserved() + " bytes in use, " + record.size() + " requests recorded]";
    }
}
