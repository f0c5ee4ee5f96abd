package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * Gradient checkpointing, as {@code torch.utils.checkpoint}: forward runs the wrapped layers in
 * a private scratch arena and keeps only their input and output, discarding the activations
 * inside; backward runs forward again to rebuild them and then backward through them. Peak
 * activation memory drops to the segment's input and output plus one segment's worth of
 * scratch, for about one extra forward pass of compute.
 *
 * <p>The recomputation sees the same thing the first pass saw: dropout layers inside replay
 * their masks and batch-norm running statistics are restored after it, so they move once per
 * step as without checkpointing. The wrapped layer keeps its own parameter names (no prefix).
 */
public final class Checkpoint extends Layer {

    private final Layer inner;
    private final StepArena scratch = new StepArena();
    private final List<Dropout> dropouts = new ArrayList<>();
    private long[] dropoutPositions;
    private List<Tensor> buffersAfterForward;
    private Tensor x;

    public Checkpoint(Layer inner) {
        this.inner = inner;
        adoptChildren(inner);
        if (inner.children().isEmpty()) {
            throw new IllegalArgumentException("Checkpoint wraps a container of layers (a Sequential), got " + inner);
        }
        collectDropouts(inner);
    }

    private void collectDropouts(Block l) {
        if (l instanceof Dropout d) {
            dropouts.add(d);
        }
        l.children().values().forEach(this::collectDropouts);
    }

    /** Bytes the scratch arena used in the last pass through the segment. */
    public long scratchBytes() {
        return scratch.bytesReserved();
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        this.x = x;
        dropoutPositions = dropouts.stream().mapToLong(Dropout::calls).toArray();
        scratch.reset();
        Tensor y = inner.forward(x, scratch).copy(arena);
        buffersAfterForward = inner.namedBuffers().values().stream().map(b -> b.copy(arena)).toList();
        scratch.reset();
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor input = saved(x);
        for (int i = 0; i < dropouts.size(); i++) {
            dropouts.get(i).seek(dropoutPositions[i]);
        }
        scratch.reset();
        inner.forward(input, scratch);
        List<Tensor> buffers = List.copyOf(inner.namedBuffers().values());
        for (int i = 0; i < buffers.size(); i++) {
            buffers.get(i).copyFrom(buffersAfterForward.get(i));
        }
        Tensor gx = inner.backward(gy, scratch);
        Tensor out = gx == null ? null : gx.copy(arena);
        scratch.reset();
        return out;
    }

    @Override
    public String family() {
        return "checkpointed block";
    }
}
