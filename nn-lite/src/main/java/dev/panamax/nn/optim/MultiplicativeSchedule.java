package dev.panamax.nn.optim;

import java.util.function.LongToDoubleFunction;

/**
 * {@link Schedule#multiplicative}: {@code lr} times the factors of steps 1 to s, multiplied in
 * that order as PyTorch multiplies the group's rate, step after step (so the rates are its
 * rates to the bit). The last step and rate are kept, so a scheduler stepping forward pays one
 * multiplication per step instead of s; any other step is computed from the start.
 */
final class MultiplicativeSchedule implements Schedule {

    /** A step and its rate, swapped whole so that threads sharing the schedule see a consistent pair. */
    private record Reached(long step, double rate) {
    }

    private final double lr;
    private final LongToDoubleFunction factor;
    private volatile Reached last;

    MultiplicativeSchedule(double lr, LongToDoubleFunction factor) {
        this.lr = lr;
        this.factor = factor;
        this.last = new Reached(0, lr);
    }

    @Override
    public double at(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        Reached from = last;
        if (from.step() > step) {
            from = new Reached(0, lr);
        }
        double rate = from.rate();
        for (long s = from.step() + 1; s <= step; s++) {
            rate *= factor.applyAsDouble(s);
        }
        last = new Reached(step, rate);
        return rate;
    }
}
