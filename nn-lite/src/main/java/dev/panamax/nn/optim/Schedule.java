package dev.panamax.nn.optim;

/**
 * A learning rate as a function of the step (0-based), composable: a warmup before any
 * schedule, one schedule after another. Pure functions of the step, so resuming at step s gives
 * exactly the rates of an uninterrupted run.
 */
@FunctionalInterface
public interface Schedule {

    /** The learning rate for step {@code step} (0-based). */
    double at(long step);

    /** Always {@code lr}. */
    static Schedule constant(double lr) {
        requireRate(lr);
        return step -> lr;
    }

    /** {@code lr · gamma^floor(step / stepSize)}, as {@code torch.optim.lr_scheduler.StepLR}. */
    static Schedule stepDecay(double lr, long stepSize, double gamma) {
        requireRate(lr);
        if (stepSize <= 0 || !(gamma > 0)) {
            throw new IllegalArgumentException("step decay needs stepSize > 0 and gamma > 0, got " + stepSize + ", " + gamma);
        }
        return step -> lr * Math.pow(gamma, Math.floorDiv(step, stepSize));
    }

    /** {@code lr · gamma^step}, as {@code torch.optim.lr_scheduler.ExponentialLR}. */
    static Schedule exponential(double lr, double gamma) {
        requireRate(lr);
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("exponential decay needs a finite gamma > 0, got " + gamma);
        }
        return step -> lr * Math.pow(gamma, step);
    }

    /**
     * {@code lr · factor(1) · factor(2) · ... · factor(step)}, as
     * {@code torch.optim.lr_scheduler.MultiplicativeLR(optimizer, lr_lambda=factor)}: each step's
     * rate is the last one times the factor of the step (from 1). Sequential calls cost one
     * factor each.
     */
    static Schedule multiplicative(double lr, java.util.function.LongToDoubleFunction factor) {
        requireRate(lr);
        java.util.Objects.requireNonNull(factor, "factor");
        return new MultiplicativeSchedule(lr, factor);
    }

    /**
     * {@code lr · gamma^k} where k milestones are at or before the step, as
     * {@code torch.optim.lr_scheduler.MultiStepLR} (milestones increasing).
     */
    static Schedule multiStep(double lr, long[] milestones, double gamma) {
        requireRate(lr);
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("multi-step decay needs a finite gamma > 0, got " + gamma);
        }
        long[] at = milestones.clone();
        for (int i = 1; i < at.length; i++) {
            if (at[i] <= at[i - 1]) {
                throw new IllegalArgumentException("milestones must increase, got " + java.util.Arrays.toString(milestones));
            }
        }
        return step -> {
            int passed = 0;
            while (passed < at.length && at[passed] <= step) {
                passed++;
            }
            return lr * Math.pow(gamma, passed);
        };
    }

    /**
     * {@code lr} times a factor moving linearly from {@code startFactor} at step 0 to
     * {@code endFactor} at step {@code steps} and after, as {@code torch.optim.lr_scheduler.LinearLR}
     * (PyTorch's defaults: 1/3, 1, 5 steps): a warmup, or a linear decay.
     */
    static Schedule linear(double lr, double startFactor, double endFactor, long steps) {
        requireRate(lr);
        if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1) || steps <= 0) {
            throw new IllegalArgumentException("linear schedule needs startFactor in (0, 1], endFactor in [0, 1] and steps > 0, got "
                    + startFactor + ", " + endFactor + ", " + steps);
        }
        return step -> lr * (startFactor + (endFactor - startFactor) * Math.min(Math.max(step, 0), steps) / steps);
    }

    /**
     * The one-cycle policy, as {@code torch.optim.lr_scheduler.OneCycleLR} (two phases, cosine
     * annealing): from {@code maxLr / divFactor} up to {@code maxLr} by step
     * {@code pctStart totalSteps - 1}, then down to {@code maxLr / (divFactor finalDivFactor)} at
     * step {@code totalSteps - 1}, and there after it. PyTorch's defaults: pctStart 0.3, divFactor 25,
     * finalDivFactor 1e4. PyTorch's default {@code cycle_momentum=True} also moves the momentum:
     * pair this with {@link #oneCycleMomentum} in {@link LrScheduler#LrScheduler(Optimizer, Schedule, Schedule)}.
     */
    static Schedule oneCycle(double maxLr, long totalSteps, double pctStart, double divFactor, double finalDivFactor) {
        requireRate(maxLr);
        if (totalSteps <= 0 || !(pctStart > 0 && pctStart < 1) || !(divFactor > 0) || !(finalDivFactor > 0)) {
            throw new IllegalArgumentException("one-cycle needs totalSteps > 0, pctStart in (0, 1) and positive factors, got "
                    + totalSteps + ", " + pctStart + ", " + divFactor + ", " + finalDivFactor);
        }
        double initial = maxLr / divFactor;
        double min = initial / finalDivFactor;
        double peakStep = oneCyclePeak(totalSteps, pctStart);
        return step -> {
            if (step <= peakStep) {
                return annealCos(initial, maxLr, step / peakStep);
            }
            // at the minimum from the last step on (PyTorch refuses steps past totalSteps)
            return annealCos(maxLr, min, Math.min(1.0, (step - peakStep) / (totalSteps - 1 - peakStep)));
        };
    }

    /** The step at which a one-cycle rate peaks, {@code pctStart totalSteps - 1}, checked to come after step 0. */
    private static double oneCyclePeak(long totalSteps, double pctStart) {
        if (totalSteps <= 0 || !(pctStart > 0 && pctStart < 1)) {
            throw new IllegalArgumentException("one-cycle needs totalSteps > 0 and pctStart in (0, 1), got " + totalSteps + ", "
                    + pctStart);
        }
        double peakStep = pctStart * totalSteps - 1;
        if (!(peakStep > 0)) {
            // PyTorch divides by this step at step 0 (ZeroDivisionError, or a step back for a negative one)
            throw new IllegalArgumentException("one-cycle's rise must end after step 0: pctStart * totalSteps - 1 = "
                    + peakStep + " for pctStart " + pctStart + " and " + totalSteps + " steps");
        }
        return peakStep;
    }

    /** Cosine from {@code start} (pct 0) to {@code end} (pct 1), PyTorch's {@code _annealing_cos}. */
    private static double annealCos(double start, double end, double pct) {
        return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    }

    /**
     * Cosine decay from {@code lr} at step 0 to {@code minLr} at step {@code steps} (and after), as
     * {@code CosineAnnealingLR}: {@code min + (lr - min)(1 + cos(π t / steps)) / 2}.
     */
    static Schedule cosine(double lr, long steps, double minLr) {
        requireRate(lr);
        requireRate(minLr);
        if (steps <= 0) {
            throw new IllegalArgumentException("cosine decay needs steps > 0, got " + steps);
        }
        return step -> {
            double t = Math.min(1.0, (double) Math.max(0, step) / steps);
            return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
        };
    }

    /**
     * Cosine decay with warm restarts (SGDR), as {@code CosineAnnealingWarmRestarts}: a cosine from
     * {@code lr} to {@code minLr} over a cycle of {@code t0} steps, restarting at {@code lr}, each
     * cycle {@code tMult} times as long as the one before ({@code tMult} an integer >= 1, as PyTorch
     * requires; minLr defaults to 0 there).
     */
    static Schedule cosineWarmRestarts(double lr, long t0, long tMult, double minLr) {
        requireRate(lr);
        requireRate(minLr);
        if (t0 <= 0 || tMult < 1) {
            throw new IllegalArgumentException("warm restarts need t0 > 0 and an integer tMult >= 1, got " + t0 + ", " + tMult);
        }
        return step -> {
            long cycle = t0;
            long t = Math.max(0, step);
            if (tMult == 1) {
                t %= t0;
            } else {
                while (t >= cycle) {        // cycles grow geometrically: a few dozen turns at most
                    t -= cycle;
                    cycle *= tMult;
                }
            }
            return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t / cycle));
        };
    }

    /**
     * {@code lr (1 - min(step, steps) / steps)^power}, as {@code PolynomialLR} (PyTorch's defaults:
     * 5 steps, power 1): 0 from step {@code steps} on.
     */
    static Schedule polynomial(double lr, long steps, double power) {
        requireRate(lr);
        if (steps <= 0 || !(power >= 0) || Double.isInfinite(power)) {
            throw new IllegalArgumentException("polynomial decay needs steps > 0 and a finite power >= 0, got " + steps + ", "
                    + power);
        }
        return step -> lr * Math.pow(1.0 - (double) Math.min(Math.max(step, 0), steps) / steps, power);
    }

    /**
     * {@code lr factor} for the first {@code steps} steps, then {@code lr}, as {@code ConstantLR}
     * (PyTorch's defaults: factor 1/3, 5 steps): a constant warmup.
     */
    static Schedule constantFactor(double lr, double factor, long steps) {
        requireRate(lr);
        if (!(factor >= 0 && factor <= 1) || steps < 0) {
            throw new IllegalArgumentException("a constant factor needs factor in [0, 1] and steps >= 0, got " + factor + ", "
                    + steps);
        }
        return step -> step < steps ? lr * factor : lr;
    }

    /** How {@link #cyclic} scales each cycle's amplitude, as {@code CyclicLR}'s {@code mode}. */
    enum CycleMode {
        /** The full amplitude every cycle ({@code "triangular"}). */
        TRIANGULAR,
        /** Half the amplitude of the cycle before ({@code "triangular2"}). */
        TRIANGULAR2,
        /** The amplitude times {@code gamma^step} ({@code "exp_range"}). */
        EXP_RANGE
    }

    /**
     * Cyclical rates, as {@code CyclicLR}: up from {@code baseLr} to {@code maxLr} linearly over
     * {@code stepsUp} steps, back down over {@code stepsDown}, and again, each cycle's amplitude
     * scaled by {@code mode} ({@code gamma} is used by {@link CycleMode#EXP_RANGE} only; PyTorch's
     * defaults: 2000 steps each way, triangular, gamma 1). PyTorch's default
     * {@code cycle_momentum=True} also cycles the optimizer's momentum inversely: pair this with
     * {@link #cyclicMomentum} in {@link LrScheduler#LrScheduler(Optimizer, Schedule, Schedule)}.
     */
    static Schedule cyclic(double baseLr, double maxLr, long stepsUp, long stepsDown, CycleMode mode, double gamma) {
        requireRate(baseLr);
        requireRate(maxLr);
        checkCycle(stepsUp, stepsDown, mode, gamma);
        // PyTorch's order of operations: (max - base) * scale, then times the amplitude
        return step -> baseLr + (maxLr - baseLr) * cycleScale(step, stepsUp, stepsDown) * cycleAmplitude(step, stepsUp,
                stepsDown, mode, gamma);
    }

    /**
     * The momentum that {@code CyclicLR} cycles with its rates ({@code cycle_momentum=True}):
     * {@code maxMomentum} where the rate is lowest, down to {@code baseMomentum} where it peaks,
     * with the same steps, mode and gamma as {@link #cyclic} (PyTorch's defaults: 0.8 and 0.9).
     */
    static Schedule cyclicMomentum(double baseMomentum, double maxMomentum, long stepsUp, long stepsDown, CycleMode mode,
                                   double gamma) {
        requireMomentum(baseMomentum);
        requireMomentum(maxMomentum);
        checkCycle(stepsUp, stepsDown, mode, gamma);
        return step -> maxMomentum - (maxMomentum - baseMomentum) * cycleScale(step, stepsUp, stepsDown)
                * cycleAmplitude(step, stepsUp, stepsDown, mode, gamma);
    }

    /**
     * The momentum {@code OneCycleLR} moves with its rates ({@code cycle_momentum=True}, two
     * phases, cosine annealing): from {@code maxMomentum} down to {@code baseMomentum} while the
     * rate rises, back up while it falls, over the steps of {@link #oneCycle} with the same
     * {@code totalSteps} and {@code pctStart} (PyTorch's defaults: 0.85 and 0.95).
     */
    static Schedule oneCycleMomentum(double baseMomentum, double maxMomentum, long totalSteps, double pctStart) {
        requireMomentum(baseMomentum);
        requireMomentum(maxMomentum);
        double peakStep = oneCyclePeak(totalSteps, pctStart);
        return step -> step <= peakStep ? annealCos(maxMomentum, baseMomentum, step / peakStep)
                : annealCos(baseMomentum, maxMomentum, Math.min(1.0, (step - peakStep) / (totalSteps - 1 - peakStep)));
    }

    private static void checkCycle(long stepsUp, long stepsDown, CycleMode mode, double gamma) {
        if (stepsUp <= 0 || stepsDown < 0 || mode == null || !(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("a cyclic schedule needs stepsUp > 0, stepsDown >= 0, a mode and a finite "
                    + "gamma > 0, got " + stepsUp + ", " + stepsDown + ", " + mode + ", " + gamma);
        }
    }

    /** Where a cycle is at a step: 0 at its start, 1 at its peak. */
    private static double cycleScale(long step, long stepsUp, long stepsDown) {
        double total = stepsUp + stepsDown;
        double upRatio = stepsUp / total;
        long t = Math.max(0, step);
        double x = 1 + t / total - Math.floor(1 + t / total);
        return x <= upRatio ? x / upRatio : (x - 1) / (upRatio - 1);
    }

    /** The amplitude of the cycle a step is in, by {@code mode}. */
    private static double cycleAmplitude(long step, long stepsUp, long stepsDown, CycleMode mode, double gamma) {
        long t = Math.max(0, step);
        return switch (mode) {
            case TRIANGULAR -> 1;
            case TRIANGULAR2 -> 1 / Math.pow(2, Math.floor(1 + t / (double) (stepsUp + stepsDown)) - 1);
            case EXP_RANGE -> Math.pow(gamma, t);
        };
    }

    private static void requireMomentum(double m) {
        if (!(m >= 0 && m < 1)) {
            throw new IllegalArgumentException("a momentum must be in [0, 1), got " + m);
        }
    }

    /**
     * Linear warmup over {@code warmupSteps} to this schedule's first rate, then this schedule
     * (shifted to start after the warmup): step {@code s < warmup} gets
     * {@code at(0) (s + 1) / warmup}.
     */
    default Schedule withWarmup(long warmupSteps) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
        }
        Schedule after = this;
        return step -> step < warmupSteps ? after.at(0) * (step + 1) / warmupSteps : after.at(step - warmupSteps);
    }

    /** This schedule for {@code steps} steps, then {@code next} (starting at its own step 0). */
    default Schedule then(long steps, Schedule next) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        Schedule first = this;
        return step -> step < steps ? first.at(step) : next.at(step - steps);
    }

    /** Linear warmup to {@code peak} over {@code warmupSteps}, then cosine decay to {@code minLr} by {@code totalSteps}. */
    static Schedule warmupCosine(double peak, long warmupSteps, long totalSteps, double minLr) {
        return cosine(peak, Math.max(1, totalSteps - warmupSteps), minLr).withWarmup(warmupSteps);
    }

    private static void requireRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        }
    }
}
