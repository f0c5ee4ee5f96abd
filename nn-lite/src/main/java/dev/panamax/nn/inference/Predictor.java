package dev.panamax.nn.inference;

import java.util.Arrays;

import dev.panamax.nn.layers.InferenceMode;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * Inference with a trained model: PyTorch's {@code model.eval()} and {@code torch.inference_mode()}
 * in one object, with memory reused from call to call.
 *
 * <p>Each {@link #predict} runs the model's forward in eval mode (dropout off, batch norm on its
 * running statistics) inside {@link InferenceMode} (layers skip what only backward reads) over a
 * {@link StepArena} of its own that is reset before the call: a steady state of same-shaped calls
 * touches no fresh off-heap memory, and no gradient work runs.
 * A result of {@link #predict(Tensor)} lives until the next call; {@link #predict(Tensor, Tensor)}
 * writes into a tensor the caller owns.
 *
 * <p>Sharing: one model may serve any number of threads, each with its own predictor (a
 * predictor holds one arena and is used by one thread at a time). Results are the same, bit for
 * bit, as one thread's calls in sequence, in a cold JVM as once compiled. The model must not be
 * trained, reloaded or switched to training mode while predictors use it; its layers keep
 * references to the last input of any thread (harmless in eval mode: nothing reads them back).
 */
public final class Predictor implements AutoCloseable {

    private final Layer model;
    /** Reusing tensors: a predictor owns every tensor of its calls, and hands the result out on a handle of its own. */
    private final StepArena arena = StepArena.reusingTensors();

    /** A predictor over {@code model}, which must be in eval mode ({@code model.eval()}). */
    public Predictor(Layer model) {
        if (model.isTraining()) {
            throw new IllegalStateException(model + " is in training mode: call eval() before predicting with it "
                    + "(dropout and batch statistics would make predictions random and race between threads)");
        }
        this.model = model;
    }

    /**
     * The model's output for {@code x}, valid until the next call on this predictor (using it
     * later fails).
     */
    public Tensor predict(Tensor x) {
        return arena.handOut(forward(x));
    }

    /**
     * The model's output for {@code x} copied into {@code out} (any strides, the output's shape);
     * returns {@code out}.
     */
    public Tensor predict(Tensor x, Tensor out) {
        Tensor y = forward(x);
        if (!y.sameShape(out)) {
            throw new IllegalArgumentException("out must have the output's shape " + Arrays.toString(y.shape()) + ", got "
                    + Arrays.toString(out.shape()));
        }
        out.copyFrom(y);
        return out;
    }

    private Tensor forward(Tensor x) {
        arena.reset();
        try (var scope = InferenceMode.enter()) {
            return model.forward(x, arena);
        }
    }

    /** Frees the predictor's memory; a result it returned is invalid afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
