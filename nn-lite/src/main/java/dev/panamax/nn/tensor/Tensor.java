package dev.panamax.nn.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An n-dimensional array of float32 or int64 over an off-heap {@link MemorySegment}: shape,
 * element strides and an element offset into the segment. Memory is 64-byte aligned and owned
 * by the {@link Arena} it was allocated from; closing the arena ends every tensor and view over
 * it, and any later access fails with {@link IllegalStateException}.
 *
 * <p>Views ({@link #view}, {@link #slice}, {@link #select}, {@link #permute}, {@link #transpose})
 * share memory and copy nothing; {@link #contiguous} copies only when the layout needs it.
 * Strides are in elements, row-major for a new tensor, and never negative.
 */
public final class Tensor {

    /** Alignment of every allocation: a cache line, and a full 512-bit vector. */
    public static final long ALIGNMENT = 64;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final DType dtype;
    private final MemorySegment segment;
    private final long offset;
    private final long[] shape;
    private final long[] strides;
    /**
     * {@link #numel} and {@link #isContiguous}, fixed with the shape and strides: kernels ask for
     * them at every call (2 % of a batch-1 LeNet-5 forward's profile samples went to recomputing them).
     */
    private final long numel;
    private final boolean contiguous;
    /** The step arena this tensor's memory came from, or null. */
    private final StepArena owner;
    /**
     * The tensor the arena handed out, of which this is a view (or this itself): views live as
     * long as it does, which lets a recycled handle ({@link StepArena#reusingTensors()}) revive
     * the views cached from it.
     */
    private final Tensor root;
    /** The step the root belongs to (read on the root only); the arena renews a recycled root. */
    private long generation;
    /**
     * The last few views {@link #view} and {@link #slice} made of this tensor, with what they were
     * asked for (null until the first). A step reshapes and slices the same tensors the same way
     * every time, and from an arena that {@linkplain StepArena#reusingTensors() reuses tensors}
     * they are the same objects: the views are then the ones made last step, and a step
     * allocates nothing for them. A view is immutable, so handing out the same one twice is the
     * same as making two; threads that race on these slots each see a whole {@link View} (its
     * fields are final) and at worst make a view again.
     */
    private View[] views;
    /** The slot of {@link #views} the next new view takes (the oldest). */
    private int nextView;
    /** Views kept per tensor: attention slices one projection into three, then views it. */
    private static final int VIEWS_KEPT = 4;

    /**
     * A view and what it was asked for: the shape given to {@link #view} (with its -1, if any),
     * or {@code [dim, start, end]} of a {@link #slice}.
     */
    private record View(boolean slice, long[] request, Tensor tensor) {
    }

    /** The kept view asked for as {@code request} (a reshape, not a slice), or null. */
    private Tensor keptView(long[] request) {
        View[] kept = views;
        if (kept != null) {
            for (View v : kept) {
                if (v != null && !v.slice && Arrays.equals(v.request, request)) {
                    return v.tensor;
                }
            }
        }
        return null;
    }

    /** The kept reshape to {@code [d0, d1]} ({@code rank} 2) or {@code [d0, d1, d2]} (3), or null; no array is made. */
    private Tensor keptView(int rank, long d0, long d1, long d2) {
        View[] kept = views;
        if (kept != null) {
            for (View v : kept) {
                if (v != null && !v.slice && v.request.length == rank && v.request[0] == d0 && v.request[1] == d1
                        && (rank == 2 || v.request[2] == d2)) {
                    return v.tensor;
                }
            }
        }
        return null;
    }

    /** The kept slice asked for as {@code (dim, start, end)}, or null; no array is made. */
    private Tensor keptSlice(int dim, long start, long end) {
        View[] kept = views;
        if (kept != null) {
            for (View v : kept) {
                if (v != null && v.slice && v.request[0] == dim && v.request[1] == start && v.request[2] == end) {
                    return v.tensor;
                }
            }
        }
        return null;
    }

    /** Keeps a new view in the oldest slot and returns it. */
    private Tensor keep(boolean slice, long[] request, Tensor view) {
        View[] kept = views;
        if (kept == null) {
            kept = new View[VIEWS_KEPT];
            views = kept;
        }
        int at = nextView;
        kept[at] = new View(slice, request, view);
        nextView = (at + 1) % VIEWS_KEPT;
        return view;
    }

    private Tensor(DType dtype, MemorySegment segment, long offset, long[] shape, long[] strides, StepArena owner,
                   Tensor root, long generation) {
        this.dtype = dtype;
        this.segment = segment;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        this.numel = product(shape);
        this.contiguous = numel == 0 || isDenseFrom(0);
        this.owner = owner;
        this.root = root == null ? this : root;
        this.generation = generation;
    }

    /** A view of this tensor's memory: the same owner, alive as long as this tensor's root. */
    private Tensor derive(long newOffset, long[] newShape, long[] newStrides) {
        // a view with no elements starts at 0: its offset could lie past the memory's end (the
        // last rows of a slice), where even a copy of nothing is out of bounds
        long start = product(newShape) == 0 ? 0 : newOffset;
        return new Tensor(dtype, segment, start, newShape, newStrides, owner, root, 0);
    }

    /**
     * The memory, after checking that it still belongs to this tensor: a tensor taken from a
     * {@link StepArena} dies at the arena's {@code reset()}, when its memory goes to the next step.
     */
    private MemorySegment mem() {
        if (owner != null && owner.generation() != root.generation) {
            throw new IllegalStateException(this + " was allocated from a StepArena in step " + root.generation
                    + " and used after reset() (the arena is at step " + owner.generation()
                    + "): its memory now holds another step's data");
        }
        return segment;
    }

    // ---- creation ----

    /** A new float32 tensor of zeros. */
    public static Tensor zeros(Arena arena, long... shape) {
        return zeros(arena, DType.FLOAT32, shape);
    }

    /** A new tensor of zeros (the arena zeroes what it allocates). */
    public static Tensor zeros(Arena arena, DType dtype, long... shape) {
        if (arena instanceof StepArena step) {
            validateShape(shape);
            return step.tensor(dtype, shape, true);
        }
        long[] s = checkShape(shape);
        long n = product(s);
        MemorySegment seg = arena.allocate(Math.max(1, n) * dtype.bytes(), ALIGNMENT);
        return new Tensor(dtype, seg, 0, s, rowMajorStrides(s), null, null, 0);
    }

    /** A new float32 tensor of zeros with {@code like}'s shape (PyTorch's {@code zeros_like}). */
    public static Tensor zerosLike(Arena arena, Tensor like) {
        if (arena instanceof StepArena step) {
            return step.tensor(DType.FLOAT32, like.shape, true);
        }
        return zeros(arena, DType.FLOAT32, like.shape);
    }

    /**
     * A new float32 tensor with {@code like}'s shape and unspecified contents, as {@link #empty}
     * (PyTorch's {@code empty_like}); it passes the shape without copying it, so that a
     * steady-state step allocates nothing.
     */
    public static Tensor emptyLike(Arena arena, Tensor like) {
        if (arena instanceof StepArena step) {
            return step.tensor(DType.FLOAT32, like.shape, false);
        }
        return zeros(arena, DType.FLOAT32, like.shape);
    }

    /**
     * A new float32 tensor whose contents are unspecified, for an output that a kernel overwrites
     * entirely: a {@link StepArena} then hands back recycled memory without zeroing it (other
     * arenas zero it anyway). Reading it before writing is a bug.
     */
    public static Tensor empty(Arena arena, long... shape) {
        if (arena instanceof StepArena step) {
            validateShape(shape);
            return step.tensor(DType.FLOAT32, shape, false);
        }
        return zeros(arena, DType.FLOAT32, shape);
    }

    // Fixed-rank forms of empty and zeros: from a StepArena they pass the shape in the arena's
    // scratch array instead of a varargs array, so a steady-state step allocates nothing.

    /** {@link #empty(Arena, long...)} of shape {@code [d0]}. */
    public static Tensor empty(Arena arena, long d0) {
        return empty(arena, dims(arena, d0));
    }

    /** {@link #empty(Arena, long...)} of shape {@code [d0, d1]}. */
    public static Tensor empty(Arena arena, long d0, long d1) {
        return empty(arena, dims(arena, d0, d1));
    }

    /** {@link #empty(Arena, long...)} of shape {@code [d0, d1, d2]}. */
    public static Tensor empty(Arena arena, long d0, long d1, long d2) {
        return empty(arena, dims(arena, d0, d1, d2));
    }

    /** {@link #empty(Arena, long...)} of shape {@code [d0, d1, d2, d3]}. */
    public static Tensor empty(Arena arena, long d0, long d1, long d2, long d3) {
        return empty(arena, dims(arena, d0, d1, d2, d3));
    }

    /** {@link #zeros(Arena, long...)} of shape {@code [d0]}. */
    public static Tensor zeros(Arena arena, long d0) {
        return zeros(arena, dims(arena, d0));
    }

    /** {@link #zeros(Arena, long...)} of shape {@code [d0, d1]}. */
    public static Tensor zeros(Arena arena, long d0, long d1) {
        return zeros(arena, dims(arena, d0, d1));
    }

    /** {@link #zeros(Arena, long...)} of shape {@code [d0, d1, d2]}. */
    public static Tensor zeros(Arena arena, long d0, long d1, long d2) {
        return zeros(arena, dims(arena, d0, d1, d2));
    }

    /** {@link #zeros(Arena, long...)} of shape {@code [d0, d1, d2, d3]}. */
    public static Tensor zeros(Arena arena, long d0, long d1, long d2, long d3) {
        return zeros(arena, dims(arena, d0, d1, d2, d3));
    }

    /** A shape for a fixed-rank factory: the step arena's scratch array, or a new one for other arenas. */
    private static long[] dims(Arena arena, long d0) {
        return arena instanceof StepArena step ? step.dims(d0) : new long[] {d0};
    }

    private static long[] dims(Arena arena, long d0, long d1) {
        return arena instanceof StepArena step ? step.dims(d0, d1) : new long[] {d0, d1};
    }

    private static long[] dims(Arena arena, long d0, long d1, long d2) {
        return arena instanceof StepArena step ? step.dims(d0, d1, d2) : new long[] {d0, d1, d2};
    }

    private static long[] dims(Arena arena, long d0, long d1, long d2, long d3) {
        return arena instanceof StepArena step ? step.dims(d0, d1, d2, d3) : new long[] {d0, d1, d2, d3};
    }

    /** A new float32 tensor holding {@code data} in row-major order. */
    public static Tensor of(Arena arena, float[] data, long... shape) {
        Tensor t = zeros(arena, DType.FLOAT32, shape);
        requireCount(data.length, t.numel());
        MemorySegment.copy(data, 0, t.mem(), F32, 0, data.length);
        return t;
    }

    /** A new int64 tensor holding {@code data} in row-major order. */
    public static Tensor ofLongs(Arena arena, long[] data, long... shape) {
        Tensor t = zeros(arena, DType.INT64, shape);
        requireCount(data.length, t.numel());
        MemorySegment.copy(data, 0, t.mem(), I64, 0, data.length);
        return t;
    }

    /** A 0-dimensional float32 tensor. */
    public static Tensor scalar(Arena arena, float value) {
        Tensor t = empty(arena, SCALAR);
        t.mem().set(F32, t.offset * Float.BYTES, value);
        return t;
    }

    /** The shape of a scalar: one array for all of them (nothing keeps or changes a shape array it is given). */
    private static final long[] SCALAR = {};

    /**
     * A tensor over a whole segment a step arena sized for it, alive during that arena's
     * {@code generation}; the arena owns {@code shape} and {@code strides} and never changes them.
     */
    static Tensor over(DType dtype, MemorySegment segment, long[] shape, long[] strides, StepArena owner, long generation) {
        return new Tensor(dtype, segment, 0, shape, strides, owner, null, generation);
    }

    /** A new handle on this tensor's elements, of an arena's {@code step}: see {@link StepArena#handOut}. */
    Tensor handleFor(StepArena arena, long step) {
        if (owner != arena) {
            throw new IllegalArgumentException(this + " was not allocated from " + arena);
        }
        mem();
        return new Tensor(dtype, segment, offset, shape, strides, owner, null, step);
    }

    /** Revives a tensor the arena hands out again, with the views taken from it, for step {@code step}. */
    void renew(long step) {
        generation = step;
    }

    /**
     * A tensor over existing memory (no copy). Fails unless every element the shape and strides
     * address lies inside the segment.
     */
    public static Tensor wrap(DType dtype, MemorySegment segment, long offset, long[] shape, long[] strides) {
        long[] s = checkShape(shape);
        if (strides.length != s.length) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " must have one entry per dimension of shape "
                    + Arrays.toString(s));
        }
        long last = offset;
        for (int d = 0; d < s.length; d++) {
            if (strides[d] < 0) {
                throw new IllegalArgumentException("stride " + d + " must be >= 0, got " + strides[d]);
            }
            if (s[d] > 0) {
                last += (s[d] - 1) * strides[d];
            }
        }
        if (offset < 0 || (product(s) > 0 && (last + 1) * dtype.bytes() > segment.byteSize())) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " with strides " + Arrays.toString(strides)
                    + " at offset " + offset + " needs " + (last + 1) + " elements; the segment holds "
                    + segment.byteSize() / dtype.bytes());
        }
        return new Tensor(dtype, segment, offset, s, strides.clone(), null, null, 0);
    }

    // ---- facts ----

    public DType dtype() {
        return dtype;
    }

    /**
     * The memory this tensor views (shared with every other view of it).
     *
     * @throws IllegalStateException when the tensor came from a {@link StepArena} that has been reset since
     */
    public MemorySegment segment() {
        return mem();
    }

    /** Element offset of element {@code [0, ..., 0]} in {@link #segment()}. */
    public long offset() {
        return offset;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** A copy of the element strides. */
    public long[] strides() {
        return strides.clone();
    }

    /** Whether the shape equals {@code expected} (no copy of the shape is made). */
    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /**
     * Whether the last dimensions are {@code trailing} (e.g. LayerNorm's {@code normalized_shape});
     * false when this tensor has fewer dimensions. No copy of the shape is made.
     */
    public boolean hasTrailingShape(long... trailing) {
        int k = trailing.length;
        return k <= shape.length && Arrays.equals(shape, shape.length - k, shape.length, trailing, 0, k);
    }

    /** Whether this tensor has {@code other}'s shape (no copy of either shape is made). */
    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code dim} (negative counts from the end). */
    public long size(int dim) {
        return shape[dimension(dim)];
    }

    /** The stride of dimension {@code dim} (negative counts from the end). */
    public long stride(int dim) {
        return strides[dimension(dim)];
    }

    /** The number of elements. */
    public long numel() {
        return numel;
    }

    /**
     * Whether the elements lie row-major and gap-free from {@link #offset()}. As in PyTorch, the
     * stride of a dimension of size 1 does not matter, and a tensor with no elements is contiguous
     * whatever its strides ({@code zeros(2, 0, 4)} has strides {@code [4, 4, 1]} there as here).
     */
    public boolean isContiguous() {
        return contiguous;
    }

    /**
     * Whether dimensions {@code dim} and after lie row-major and gap-free (a dimension of size 1
     * may have any stride): from 1, the tensor is {@code size(0)} dense blocks {@code stride(0)}
     * apart, as a channel slice of an {@code [N, C, H, W]} tensor is.
     */
    public boolean isDenseFrom(int dim) {
        long expected = 1;
        for (int d = shape.length - 1; d >= dim; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** Resolves a possibly negative dimension index, failing with the valid range. */
    public int dimension(int dim) {
        int r = shape.length;
        int d = dim < 0 ? dim + r : dim;
        if (d < 0 || d >= r) {
            throw new IllegalArgumentException("dim must be in [" + (-r) + ", " + (r - 1) + "] for a tensor of rank " + r
                    + ", got " + dim);
        }
        return d;
    }

    // ---- element access (slow path: tests, I/O, small bookkeeping) ----

    /** The float32 element at {@code index} (one entry per dimension). */
    public float get(long... index) {
        requireType(DType.FLOAT32);
        return mem().getAtIndex(F32, elementOffset(index));
    }

    /** Writes the float32 element at {@code index}. */
    public void set(float value, long... index) {
        requireType(DType.FLOAT32);
        mem().setAtIndex(F32, elementOffset(index), value);
    }

    /** The int64 element at {@code index}. */
    public long getLong(long... index) {
        requireType(DType.INT64);
        return mem().getAtIndex(I64, elementOffset(index));
    }

    /** Writes the int64 element at {@code index}. */
    public void setLong(long value, long... index) {
        requireType(DType.INT64);
        mem().setAtIndex(I64, elementOffset(index), value);
    }

    /** The value of a one-element float32 tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() needs exactly one element, shape is " + Arrays.toString(shape));
        }
        requireType(DType.FLOAT32);
        return mem().getAtIndex(F32, offset);
    }

    /** The elements in row-major order, as float32. */
    public float[] toFloatArray() {
        requireType(DType.FLOAT32);
        float[] out = new float[Math.toIntExact(numel())];
        if (isContiguous()) {
            MemorySegment.copy(mem(), F32, offset * 4, out, 0, out.length);
        } else {
            long[] idx = new long[shape.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = mem().getAtIndex(F32, offsetOf(idx));
                increment(idx);
            }
        }
        return out;
    }

    /** The elements in row-major order, as int64. */
    public long[] toLongArray() {
        requireType(DType.INT64);
        long[] out = new long[Math.toIntExact(numel())];
        long[] idx = new long[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = mem().getAtIndex(I64, offsetOf(idx));
            increment(idx);
        }
        return out;
    }

    /** Sets every element to {@code value}. */
    public Tensor fill(float value) {
        requireType(DType.FLOAT32);
        if (isContiguous()) {
            long n = numel();
            for (long i = 0; i < n; i++) {
                mem().setAtIndex(F32, offset + i, value);
            }
        } else {
            long[] idx = new long[shape.length];
            for (long i = 0, n = numel(); i < n; i++) {
                mem().setAtIndex(F32, offsetOf(idx), value);
                increment(idx);
            }
        }
        return this;
    }

    /** Copies {@code source} (same shape and dtype, any strides) into this tensor. */
    public void copyFrom(Tensor source) {
        if (!Arrays.equals(shape, source.shape) || dtype != source.dtype) {
            throw new IllegalArgumentException("copyFrom needs shape " + Arrays.toString(shape) + " " + dtype
                    + ", got " + Arrays.toString(source.shape) + " " + source.dtype);
        }
        long n = numel();
        if (isContiguous() && source.isContiguous()) {
            MemorySegment.copy(source.mem(), source.offset * dtype.bytes(), mem(), offset * dtype.bytes(), n * dtype.bytes());
            return;
        }
        // Copy the longest trailing block that is dense in both (a channel slice of NCHW moves
        // H*W-element runs, one image's block at a time), element by element only when none is.
        int outer = shape.length;
        long run = 1;
        while (outer > 0 && strides[outer - 1] == run && source.strides[outer - 1] == run) {
            run *= shape[--outer];
        }
        long bytes = dtype.bytes();
        if (outer == 1) {                   // one block per index of the first dimension: no index array
            for (long i = 0; i < shape[0]; i++) {
                MemorySegment.copy(source.mem(), (source.offset + i * source.strides[0]) * bytes, mem(),
                        (offset + i * strides[0]) * bytes, run * bytes);
            }
            return;
        }
        long[] idx = new long[shape.length];
        for (long i = 0; i < n; i += run) {
            long from = source.offsetOf(idx);
            long to = offsetOf(idx);
            if (run > 1) {
                MemorySegment.copy(source.mem(), from * bytes, mem(), to * bytes, run * bytes);
            } else if (dtype == DType.FLOAT32) {
                mem().setAtIndex(F32, to, source.mem().getAtIndex(F32, from));
            } else {
                mem().setAtIndex(I64, to, source.mem().getAtIndex(I64, from));
            }
            incrementOuter(idx, outer);
        }
    }

    /** {@link #increment} over the first {@code dims} dimensions only. */
    private void incrementOuter(long[] idx, int dims) {
        for (int d = dims - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                return;
            }
            idx[d] = 0;
        }
    }

    // ---- views ----

    /**
     * The same elements with another shape (one entry may be -1, inferred). Needs a contiguous
     * tensor; call {@link #contiguous} first otherwise. Asked for a shape it was lately viewed as
     * (the same numbers, -1 included), a tensor hands back that view, the same object: a view
     * never changes, so this is the same as a new one, and a step that reshapes the tensors an
     * arena recycles allocates nothing for it. Likewise {@link #slice}.
     */
    public Tensor view(long... newShape) {
        Tensor kept = keptView(newShape);
        return kept != null ? kept : newView(newShape.clone());
    }

    /**
     * {@link #view(long...)} as {@code [d0, d1]}, with no array made when this tensor was viewed
     * so lately (a varargs array would be one per call).
     */
    public Tensor view(long d0, long d1) {
        Tensor kept = keptView(2, d0, d1, 0);
        return kept != null ? kept : newView(new long[] {d0, d1});
    }

    /** {@link #view(long...)} as {@code [d0, d1, d2]}, with no array made when this tensor was viewed so lately. */
    public Tensor view(long d0, long d1, long d2) {
        Tensor kept = keptView(3, d0, d1, d2);
        return kept != null ? kept : newView(new long[] {d0, d1, d2});
    }

    /** {@link #view(long...)} with {@code other}'s shape (PyTorch's {@code view_as}); no shape array is copied. */
    public Tensor viewAs(Tensor other) {
        Tensor kept = keptView(other.shape);
        return kept != null ? kept : newView(other.shape.clone());
    }

    /** A new view of the shape {@code request} asks for (an array of the caller's own, kept). */
    private Tensor newView(long[] request) {
        long[] s = inferShape(request);
        if (!isContiguous()) {
            throw new IllegalStateException("view " + Arrays.toString(s) + " needs a contiguous tensor; this one has shape "
                    + Arrays.toString(shape) + " and strides " + Arrays.toString(strides) + " (call contiguous() first)");
        }
        return keep(false, request, derive(offset, s, rowMajorStrides(s)));
    }

    /**
     * Elements {@code [start, end)} of dimension {@code dim} ({@code x[..., start:end]}, PyTorch's
     * {@code narrow}); a negative start or end counts from the dimension's end, as in Python. Bounds
     * past the dimension are refused, not clamped.
     */
    public Tensor slice(int dim, long start, long end) {
        Tensor kept = keptSlice(dim, start, end);
        if (kept != null) {
            return kept;
        }
        int d = dimension(dim);
        long size = shape[d];
        long from = start < 0 ? start + size : start;
        long to = end < 0 ? end + size : end;
        if (from < 0 || to < from || to > size) {
            throw new IllegalArgumentException("slice of dim " + d + " must satisfy 0 <= start <= end <= " + size
                    + " (negative values counting from the end), got [" + start + ", " + end + ")");
        }
        long[] s = shape.clone();
        s[d] = to - from;
        return keep(true, new long[] {dim, start, end}, derive(offset + from * strides[d], s, strides.clone()));
    }

    /**
     * The sub-tensor at {@code index} of dimension {@code dim}, one rank lower; a negative index
     * counts from the end ({@code -1} the last), as in PyTorch.
     */
    public Tensor select(int dim, long index) {
        int d = dimension(dim);
        if (index < -shape[d] || index >= shape[d]) {
            throw new IllegalArgumentException("index for dim " + d + " must be in [" + -shape[d] + ", " + shape[d] + "), got "
                    + index);
        }
        if (index < 0) {
            index += shape[d];
        }
        long[] s = new long[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                s[j] = shape[i];
                st[j++] = strides[i];
            }
        }
        return derive(offset + index * strides[d], s, st);
    }

    /** The dimensions reordered: dimension {@code i} of the result is {@code order[i]} of this. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute needs " + shape.length + " dimensions, got " + Arrays.toString(order));
        }
        boolean[] seen = new boolean[shape.length];
        long[] s = new long[shape.length];
        long[] st = new long[shape.length];
        for (int i = 0; i < order.length; i++) {
            int d = dimension(order[i]);
            if (seen[d]) {
                throw new IllegalArgumentException("permute repeats dimension " + d + ": " + Arrays.toString(order));
            }
            seen[d] = true;
            s[i] = shape[d];
            st[i] = strides[d];
        }
        return derive(offset, s, st);
    }

    /** Dimensions {@code a} and {@code b} swapped. */
    public Tensor transpose(int a, int b) {
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int da = dimension(a);
        int db = dimension(b);
        order[da] = db;
        order[db] = da;
        return permute(order);
    }

    /**
     * A view with a new dimension of size 1 at {@code dim}, in {@code [-rank - 1, rank]} (a
     * negative one counting from the end, as PyTorch's {@code unsqueeze}): {@code [3, 4]} at 0 is
     * {@code [1, 3, 4]}, at -1 {@code [3, 4, 1]}. Any strides; the result is contiguous when this is.
     */
    public Tensor unsqueeze(int dim) {
        int r = shape.length;
        int d = dim < 0 ? dim + r + 1 : dim;
        if (d < 0 || d > r) {
            throw new IllegalArgumentException("unsqueeze dim must be in [" + (-r - 1) + ", " + r + "] for a tensor of rank "
                    + r + ", got " + dim);
        }
        long[] s = new long[r + 1];
        long[] st = new long[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            if (i == d) {
                s[i] = 1;
                st[i] = d < r ? shape[d] * strides[d] : 1;    // PyTorch's stride for the new dimension
            } else {
                s[i] = shape[j];
                st[i] = strides[j++];
            }
        }
        return derive(offset, s, st);
    }

    /**
     * This tensor without dimension {@code dim} when its size is 1, else this tensor itself, as
     * PyTorch's {@code squeeze(dim)}.
     */
    public Tensor squeeze(int dim) {
        int d = dimension(dim);
        return shape[d] == 1 ? select(d, 0) : this;
    }

    /** This tensor if contiguous, else a contiguous copy allocated from {@code arena}. */
    public Tensor contiguous(Arena arena) {
        if (isContiguous()) {
            return this;
        }
        Tensor copy = zeros(arena, dtype, shape);
        copy.copyFrom(this);
        return copy;
    }

    /** A contiguous copy allocated from {@code arena}, always new memory. */
    public Tensor copy(Arena arena) {
        Tensor copy = zeros(arena, dtype, shape);
        copy.copyFrom(this);
        return copy;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype;
    }

    // ---- helpers ----

    /** Element offset (in the segment) of a full index. */
    public long elementOffset(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index needs " + shape.length + " entries, got " + index.length);
        }
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("index " + index[d] + " out of range [0, " + shape[d] + ") for dim " + d
                        + " of shape " + Arrays.toString(shape));
            }
        }
        return offsetOf(index);
    }

    private long offsetOf(long[] index) {
        long o = offset;
        for (int d = 0; d < index.length; d++) {
            o += index[d] * strides[d];
        }
        return o;
    }

    private void increment(long[] idx) {
        incrementOuter(idx, idx.length);
    }

    private void requireType(DType expected) {
        if (dtype != expected) {
            throw new IllegalStateException("this tensor is " + dtype + ", the call needs " + expected);
        }
    }

    private long[] inferShape(long[] newShape) {
        long known = 1;
        int infer = -1;
        for (int i = 0; i < newShape.length; i++) {
            if (newShape[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("only one dimension can be -1: " + Arrays.toString(newShape));
                }
                infer = i;
            } else if (newShape[i] < 0) {
                throw new IllegalArgumentException("dimension " + i + " must be >= 0 or -1, got " + newShape[i]);
            } else {
                known *= newShape[i];
            }
        }
        long[] s = newShape.clone();
        long n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("cannot infer -1 in " + Arrays.toString(newShape) + " for " + n + " elements");
            }
            s[infer] = n / known;
        }
        if (product(s) != n) {
            throw new IllegalArgumentException("shape " + Arrays.toString(newShape) + " holds " + product(s)
                    + " elements, the tensor has " + n + " (shape " + Arrays.toString(shape) + ")");
        }
        return s;
    }

    private static long[] checkShape(long[] shape) {
        validateShape(shape);
        return shape.clone();
    }

    private static void validateShape(long[] shape) {
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                throw new IllegalArgumentException("dimension " + d + " of shape " + Arrays.toString(shape) + " is negative");
            }
        }
    }

    private static void requireCount(int have, long want) {
        if (have != want) {
            throw new IllegalArgumentException("shape holds " + want + " elements, data has " + have);
        }
    }

    /** The product of the dimensions (1 for a scalar). */
    public static long product(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** Row-major element strides for {@code shape}. */
    public static long[] rowMajorStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = s;
            s *= Math.max(1, shape[d]);
        }
        return st;
    }
}
