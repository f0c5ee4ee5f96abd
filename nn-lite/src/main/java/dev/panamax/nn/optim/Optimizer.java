package dev.panamax.nn.optim;

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

    /** Frees the optimizer's state. */
    @Override
    void close();
}
