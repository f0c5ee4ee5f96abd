package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * A part of a network, as a {@code torch.nn.Module}: it owns parameters, buffers (running
 * statistics) and child blocks under names, switches between training and evaluation mode with
 * its children, and saves and loads its state as a PyTorch {@code state_dict}. A {@link Layer}
 * is a block with one input and one output, the kind {@link Sequential} chains; blocks that take
 * more than one input (a {@link Transformer}'s source and target, {@link MaxUnpool2d}'s indices,
 * a sequence-to-sequence model) or hold layers for their owner to run ({@link LayerList}) extend
 * this class directly and declare the {@code forward} and {@code backward} their inputs need.
 *
 * <p>Memory: parameters and buffers belong to the block; everything a step produces (outputs,
 * saved tensors, input gradients) comes from the {@link Arena} passed to its forward and
 * backward, normally a {@link dev.panamax.nn.tensor.StepArena} reset once per step, so that a
 * steady-state step allocates nothing.
 *
 * <p>Names: parameters, buffers and children are registered under names, and
 * {@link #namedParameters()} / {@link #stateDict()} join them with dots exactly as a PyTorch
 * {@code state_dict} does ({@code "conv1.weight"}, {@code "bn1.running_mean"}).
 */
public abstract class Block {

    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Block> children = new LinkedHashMap<>();
    private String path = "";
    private boolean training = true;

    // ---- registration (for subclasses) ----

    /** Registers a trainable parameter of this shape (value and gradient zeroed; the block initialises it). */
    protected final Parameter parameter(String name, long... shape) {
        Arena memory = Arena.ofAuto();
        Parameter p = new Parameter(name, Tensor.zeros(memory, shape), Tensor.zeros(memory, shape));
        parameters.put(name, p);
        return p;
    }

    /**
     * Registers a trainable parameter over memory the block manages itself: a view of a larger
     * buffer (an RNN's flat weights) or a parameter another block owns (tied weights).
     */
    protected final Parameter parameter(String name, Tensor value, Tensor grad) {
        Parameter p = new Parameter(name, value, grad);
        parameters.put(name, p);
        return p;
    }

    /** Registers a buffer: state saved with the model but not trained (running statistics). */
    protected final Tensor buffer(String name, DType dtype, long... shape) {
        Tensor t = Tensor.zeros(Arena.ofAuto(), dtype, shape);
        buffers.put(name, t);
        return t;
    }

    /** Registers a child block under {@code name}; its parameters are named {@code name.*}. */
    protected final <B extends Block> B child(String name, B block) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("a child's name must be non-empty and without dots, got '" + name + "'");
        }
        if (children.containsKey(name)) {
            throw new IllegalArgumentException(describe() + " already has a child named '" + name + "'");
        }
        children.put(name, block);
        ((Block) block).rename(path.isEmpty() ? name : path + "." + name);
        return block;
    }

    /**
     * Registers every child of {@code container} under its own name, without a prefix: the way a
     * PyTorch block that holds {@code conv1, bn1, ...} as attributes names them.
     */
    protected final void adoptChildren(Block container) {
        container.children.forEach(this::child);
    }

    private void rename(String newPath) {
        path = newPath;
        children.forEach((name, c) -> c.rename(newPath + "." + name));
    }

    // ---- views ----

    /** The blocks registered directly under this one, by name, in registration order. */
    public final Map<String, Block> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this block and its descendants, by full dotted name, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Parameter> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, new Parameter(prefix + n, p.value(), p.grad())));
        children.forEach((n, c) -> c.collectParameters(prefix + n + ".", out));
    }

    /**
     * The parameters of {@link #namedParameters()}, for an optimizer: a parameter shared by two
     * blocks (tied weights) is listed once, under its first name, so that it is updated once.
     */
    public final List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Parameter p : namedParameters().values()) {
            if (seen.add(p.value())) {
                out.add(p);
            }
        }
        return out;
    }

    /** Every buffer of this block and its descendants, by full dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        buffers.forEach((n, b) -> out.put(prefix + n, b));
        children.forEach((n, c) -> c.collectBuffers(prefix + n + ".", out));
    }

    /** Parameters and buffers by name, in PyTorch's order (a module's own entries before its children's). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, p.value()));
        buffers.forEach((n, b) -> out.put(prefix + n, b));
        children.forEach((n, c) -> c.collectState(prefix + n + ".", out));
    }

    /**
     * Copies every entry of {@code state} into the parameter or buffer of the same name. Nothing
     * is copied unless every name, shape and dtype matches: otherwise the exception lists all
     * missing keys, unexpected keys and mismatched shapes or dtypes at once.
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        checkStateDict(state);
        Map<String, Tensor> own = stateDict();
        own.forEach((k, t) -> t.copyFrom(state.get(k)));
    }

    /**
     * Checks that {@code state} has exactly this block's names, shapes and dtypes, copying nothing;
     * the exception lists every mismatch.
     */
    public final void checkStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> own = stateDict();
        List<String> problems = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given == null) {
                problems.add("missing key '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue().shape()) + ")");
            } else if (!given.hasShape(e.getValue().shape())) {
                problems.add("'" + e.getKey() + "': expected shape " + Arrays.toString(e.getValue().shape()) + ", got "
                        + Arrays.toString(given.shape()));
            } else if (given.dtype() != e.getValue().dtype()) {
                problems.add("'" + e.getKey() + "': expected dtype " + e.getValue().dtype() + ", got " + given.dtype());
            }
        }
        for (String key : state.keySet()) {
            if (!own.containsKey(key)) {
                problems.add("unexpected key '" + key + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot load the state dict into " + describe() + ": "
                    + String.join("; ", problems));
        }
    }

    // ---- mode ----

    /** Training mode (the default): dropout drops, batch norm uses and updates batch statistics. */
    public Block train() {
        return train(true);
    }

    /** Evaluation mode: dropout is the identity, batch norm uses its running statistics. */
    public Block eval() {
        return train(false);
    }

    /**
     * Sets the mode of this block and all its descendants; returns this block (layers and
     * containers return their own type, so that {@code Sequential model = Models.lenet5().eval()}
     * reads as in PyTorch).
     */
    public Block train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
        return this;
    }

    public final boolean isTraining() {
        return training;
    }

    // ---- helpers for subclasses ----

    /** The dotted path of this block in its model, or its class name at the top. */
    protected final String describe() {
        String type = getClass().getSimpleName();
        return path.isEmpty() ? type : type + " '" + path + "'";
    }

    /**
     * Fails unless {@code x} has {@code expected.length} dimensions and matches {@code expected}
     * where it is not negative (negative entries accept any size).
     */
    protected final void requireInput(Tensor x, long... expected) {
        boolean ok = x.rank() == expected.length && x.dtype() == DType.FLOAT32;
        for (int d = 0; ok && d < expected.length; d++) {
            ok = expected[d] < 0 || x.size(d) == expected[d];
        }
        if (!ok) {
            throw new IllegalArgumentException(describe() + " expects float32 input of shape " + pattern(expected, 0) + ", got "
                    + x.dtype() + " " + Arrays.toString(x.shape()));
        }
    }

    /** {@link #requireInput(Tensor, long...)} for rank 2, without an array per call. */
    protected final void requireInput(Tensor x, long d0, long d1) {
        if (x.rank() != 2 || x.dtype() != DType.FLOAT32 || !fits(x, 0, d0) || !fits(x, 1, d1)) {
            requireInput(x, new long[] {d0, d1});
        }
    }

    /** {@link #requireInput(Tensor, long...)} for rank 4, without an array per call. */
    protected final void requireInput(Tensor x, long d0, long d1, long d2, long d3) {
        if (x.rank() != 4 || x.dtype() != DType.FLOAT32 || !fits(x, 0, d0) || !fits(x, 1, d1) || !fits(x, 2, d2)
                || !fits(x, 3, d3)) {
            requireInput(x, new long[] {d0, d1, d2, d3});
        }
    }

    /**
     * Checks the input of a layer over images, which takes {@code [N, d1, d2, d3]} and, as in
     * PyTorch, one image unbatched, {@code [d1, d2, d3]} (negative entries accept any size);
     * returns whether {@code x} is unbatched. The layer runs such an input as a batch of one
     * ({@code x.unsqueeze(0)}) and returns its output without the batch dimension.
     */
    protected final boolean unbatchedImage(Tensor x, long d1, long d2, long d3) {
        if (x.rank() == 4 && x.dtype() == DType.FLOAT32 && fits(x, 1, d1) && fits(x, 2, d2) && fits(x, 3, d3)) {
            return false;
        }
        if (x.rank() == 3 && x.dtype() == DType.FLOAT32 && fits(x, 0, d1) && fits(x, 1, d2) && fits(x, 2, d3)) {
            return true;
        }
        long[] batched = {-1, d1, d2, d3};
        throw new IllegalArgumentException(describe() + " expects float32 input of shape " + pattern(batched, 0)
                + " or, unbatched, " + pattern(batched, 1) + ", got " + x.dtype() + " " + Arrays.toString(x.shape()));
    }

    /** {@code dims} from {@code from} on as a shape, {@code *} for a negative (any) size: {@code [*, 3, *, *]}. */
    private static String pattern(long[] dims, int from) {
        StringBuilder out = new StringBuilder("[");
        for (int d = from; d < dims.length; d++) {
            out.append(d > from ? ", " : "").append(dims[d] < 0 ? "*" : Long.toString(dims[d]));
        }
        return out.append(']').toString();
    }

    /** {@code t} as a batch of one when {@code unbatched} ({@code t.unsqueeze(0)}), else t itself. */
    protected static Tensor asBatch(Tensor t, boolean unbatched) {
        return unbatched ? t.unsqueeze(0) : t;
    }

    /** A batch of one's {@code t} without its batch dimension when {@code unbatched}; t itself otherwise, or null. */
    protected static Tensor asSample(Tensor t, boolean unbatched) {
        return unbatched && t != null ? t.squeeze(0) : t;
    }

    private static boolean fits(Tensor x, int dim, long expected) {
        return expected < 0 || x.size(dim) == expected;
    }

    /** Returns {@code saved}, failing when forward has not run yet. */
    protected final <T> T saved(T saved) {
        if (saved == null) {
            throw new IllegalStateException(describe() + ": backward called before forward");
        }
        return saved;
    }

    /** Adds this step's weight and bias gradients into the parameters' ({@code bias} may be null). */
    protected static void accumulate(Parameter weight, Parameter bias, Tensor weightGrad, Tensor biasGrad) {
        if (weight != null) {
            accumulate(weight, weightGrad);
        }
        if (bias != null) {
            accumulate(bias, biasGrad);
        }
    }

    /** Adds a gradient computed for this step into a parameter's accumulated gradient. */
    protected static void accumulate(Parameter p, Tensor grad) {
        Tensor g = p.grad();
        dev.panamax.kernels.gemm.Blas1.saxpy(g.numel(), 1f, grad.segment(), grad.offset(), g.segment(), g.offset());
    }

    @Override
    public String toString() {
        return describe();
    }
}
