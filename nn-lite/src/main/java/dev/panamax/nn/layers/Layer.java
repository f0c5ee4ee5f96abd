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
 * A differentiable layer, as a {@code torch.nn.Module}: {@link #forward} computes the output and
 * keeps what {@link #backward} needs; {@code backward} returns the gradient of the input and
 * <em>adds</em> the gradients of the parameters into their {@code grad} tensors (zero them with
 * the optimizer's {@code zeroGrad()}, as in PyTorch).
 *
 * <p>Memory: parameters and buffers (running statistics) belong to the layer; everything a step
 * produces (outputs, saved tensors, input gradients) comes from the {@link Arena} passed in,
 * normally a {@link dev.panamax.nn.tensor.StepArena} reset once per step, so that a steady-state
 * step allocates nothing. Tensors returned by {@code forward} and {@code backward} live as long as
 * that arena's step.
 *
 * <p>Names: parameters, buffers and child layers are registered under names, and
 * {@link #namedParameters()} / {@link #stateDict()} join them with dots exactly as a PyTorch
 * {@code state_dict} does ({@code "conv1.weight"}, {@code "bn1.running_mean"}).
 */
public abstract class Layer {

    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Layer> children = new LinkedHashMap<>();
    private String path = "";
    private boolean training = true;
    private boolean inputGradient = true;

    /** Computes the output for {@code x}, keeping what backward needs. */
    public abstract Tensor forward(Tensor x, Arena arena);

    /**
     * Given {@code dL/dy} for the output of the last {@link #forward}, returns {@code dL/dx} and
     * accumulates {@code dL/dθ} into every parameter's gradient.
     *
     * @throws IllegalStateException when forward has not run since the layer was created
     */
    public abstract Tensor backward(Tensor gy, Arena arena);

    // ---- registration (for subclasses) ----

    /** Registers a trainable parameter of this shape (value and gradient zeroed; the layer initialises it). */
    protected final Parameter parameter(String name, long... shape) {
        Arena memory = Arena.ofAuto();
        Parameter p = new Parameter(name, Tensor.zeros(memory, shape), Tensor.zeros(memory, shape));
        parameters.put(name, p);
        return p;
    }

    /**
     * Registers a trainable parameter over memory the layer manages itself: a view of a larger
     * buffer (an RNN's flat weights) or a parameter another layer owns (tied weights).
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

    /** Registers a child layer under {@code name}; its parameters are named {@code name.*}. */
    protected final <L extends Layer> L child(String name, L layer) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("a layer name must be non-empty and without dots, got '" + name + "'");
        }
        if (children.containsKey(name)) {
            throw new IllegalArgumentException(describe() + " already has a layer named '" + name + "'");
        }
        children.put(name, layer);
        ((Layer) layer).rename(path.isEmpty() ? name : path + "." + name);
        return layer;
    }

    /**
     * Registers every child of {@code container} under its own name, without a prefix: the way a
     * PyTorch block that holds {@code conv1, bn1, ...} as attributes names them.
     */
    protected final void adoptChildren(Layer container) {
        container.children.forEach(this::child);
    }

    private void rename(String newPath) {
        path = newPath;
        children.forEach((name, c) -> c.rename(newPath + "." + name));
    }

    // ---- views ----

    /** The layers registered directly under this one, by name, in registration order. */
    public final Map<String, Layer> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this layer and its descendants, by full dotted name, in registration order. */
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
     * layers (tied weights) is listed once, under its first name, so that it is updated once.
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

    /** Every buffer of this layer and its descendants, by full dotted name. */
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
     * Checks that {@code state} has exactly this layer's names, shapes and dtypes, copying nothing;
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

    /**
     * Whether {@link #backward} must return the input's gradient (the default). A model's first
     * layer does not need it when its input is data, as PyTorch skips it for inputs that do not
     * require grad: layers that can then skip that work (Linear, Conv2d) return null. Containers
     * pass the setting to their first layer.
     */
    public Layer requireInputGradient(boolean required) {
        inputGradient = required;
        return this;
    }

    /** See {@link #requireInputGradient}. */
    public final boolean inputGradientRequired() {
        return inputGradient;
    }

    /** Training mode (the default): dropout drops, batch norm uses and updates batch statistics. */
    public Layer train() {
        return train(true);
    }

    /** Evaluation mode: dropout is the identity, batch norm uses its running statistics. */
    public Layer eval() {
        return train(false);
    }

    /**
     * Sets the mode of this layer and all its descendants; returns this layer (containers return
     * their own type, so that {@code Sequential model = Models.lenet5().eval()} reads as in PyTorch).
     */
    public Layer train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
        return this;
    }

    public final boolean isTraining() {
        return training;
    }

    /**
     * Whether this layer's forward in eval mode computes each index of dimension 0 of its output
     * from the same index of its input alone, as PyTorch's layers treat their batch dimension:
     * true of the per-sample layers (Linear, the convolutions, pooling, activations, flatten,
     * dropout, batch norm on its running statistics) and of containers whose children all are;
     * false, the default, for layers that mix along dimension 0 or read it as something else (the
     * recurrent layers' sequence-first time axis, attention, layer norm over a 1-D input). A
     * {@link dev.panamax.nn.inference.Predictor} splits a large batch into chunks only for a
     * model that says so.
     */
    public boolean samplesIndependent() {
        return false;
    }

    /** For containers that pass their input through their children: whether every child's samples are independent. */
    protected final boolean childrenSamplesIndependent() {
        for (Layer child : children.values()) {
            if (!child.samplesIndependent()) {
                return false;
            }
        }
        return true;
    }

    // ---- helpers for subclasses ----

    /** The dotted path of this layer in its model, or its class name at the top. */
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

    /** The kernel family this layer's time belongs to in a profile ("convolution", "gemm", ...). */
    public String family() {
        return "other";
    }

    @Override
    public String toString() {
        return describe();
    }
}
