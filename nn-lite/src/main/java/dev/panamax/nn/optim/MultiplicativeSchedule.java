package dev.panamax.nn.optim;

import java.util.function.LongToDoubleFunction;

/**
 * {@link Schedule#multiplicative}: {@code lr} times the factors of steps 1 to s, multiplied in
 * that order as PyTorch multiplies the group's rate, step after step (so the rates are its
 * rates to the bit). The last step and rate are kept, so a scheduler stepping forward pays one
 * multiplication per step instead of s; any other step is computed from the start.
 */
final class MultiplicativeSchedule implements Schedule {

    private final double lr;
    private final LongToDoubleFunction factor;
    // the last step asked for and its rate; a scheduler asks once per training step, so no object per call
    private long lastStep;
    private double lastRate;

    MultiplicativeSchedule(double lr, LongToDoubleFunction factor) {
        this.lr = lr;
        this.factor = factor;
        this.lastRate = lr;
    }

    /** Synchronized: the last step and its rate change together, for schedules shared between threads. */
    @Override
    public synchronized double at(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        if (lastStep > step) {
            lastStep = 0;
            lastRate = lr;
        }
        double rate = lastRate;
        for (long s = lastStep + 1; s <= step; s++) {
            rate *= factor.applyAsDouble(s);
        }
        lastStep = step;
        lastRate = rate;
        return rate;
    }
}
