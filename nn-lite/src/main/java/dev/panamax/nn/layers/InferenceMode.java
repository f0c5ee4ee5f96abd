package dev.panamax.nn.layers;

/**
 * PyTorch's {@code torch.inference_mode()} for the calling thread: inside it, a layer's forward
 * may skip what only its backward would read (max pooling's argmax), and backward after such a
 * forward fails instead of returning a wrong gradient. {@link dev.panamax.nn.inference.Predictor}
 * runs every call inside it; outside a predictor:
 *
 * <pre>{@code
 * try (var scope = InferenceMode.enter()) {
 *     Tensor logits = model.forward(x, arena);
 * }
 * }</pre>
 *
 * Scopes nest; entering and leaving allocates nothing (the scope is one shared object and the
 * depth a per-thread counter), so a steady state of predictions stays at 0 bytes per call.
 */
public final class InferenceMode implements AutoCloseable {

    private static final InferenceMode SCOPE = new InferenceMode();
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private InferenceMode() {
    }

    /** Enters inference mode on this thread until the returned scope is closed. */
    public static InferenceMode enter() {
        DEPTH.get()[0]++;
        return SCOPE;
    }

    /** Whether the calling thread is inside an {@link #enter} scope. */
    public static boolean active() {
        return DEPTH.get()[0] > 0;
    }

    /** Leaves the innermost scope of the calling thread. */
    @Override
    public void close() {
        int[] depth = DEPTH.get();
        if (depth[0] == 0) {
            throw new IllegalStateException("inference mode closed more often than entered on this thread");
        }
        depth[0]--;
    }
}
