package dev.panamax.nn.optim;

import dev.panamax.nn.tensor.Tensor;

/**
 * Updates parameters from their gradients, one {@link #step()} at a time, with the semantics of
 * the {@code torch.optim} class of the same name. State (momentum, moments) is off-heap, owned by
 * the optimizer and freed by {@link #close()}; a step allocates nothing on the Java heap.
 */
public interface Optimizer extends AutoCloseable {

    /** Applies one update to every parameter from its current gradient. */
    void step();

    /** Sets every gradient to zero. */
    void zeroGrad();

    /** The learning rate of the next step (schedules change it between steps). */
    float learningRate();

    /** Sets the learning rate of the next steps. */
    void setLearningRate(float lr);

    /**
     * The optimizer's state, for checkpoints: {@code "step"} (int64 scalar: steps taken) and one
     * float32 tensor per state buffer, {@code "<parameter>.<k>"} (momentum, first and second
     * moments), each a view of the live buffer.
     */
    java.util.Map<String, Tensor> stateDict();

    /** Restores a state saved by {@link #stateDict()} (names, shapes and dtypes must match). */
    void loadStateDict(java.util.Map<String, Tensor> state);

    /** Checks that {@code state} fits this optimizer (names, shapes, dtypes), copying nothing. */
    void checkStateDict(java.util.Map<String, Tensor> state);

    /** Frees the optimizer's state. */
    @Override
    void close();
}
