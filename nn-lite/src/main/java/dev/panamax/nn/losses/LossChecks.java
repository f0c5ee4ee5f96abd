package dev.panamax.nn.losses;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.Tensor;

/** The checks every {@link Loss} makes of its reduction and of the order of its calls. */
final class LossChecks {

    private LossChecks() {
    }

    /**
     * Fails for {@link Reduction#NONE}, which the one-number calls cannot take; the message names
     * the loss and the calls that can.
     */
    static void requireOneNumber(Loss loss) {
        if (loss.reduction() == Reduction.NONE) {
            throw new IllegalStateException(loss.getClass().getSimpleName() + " with reduction \"none\" has a loss per "
                    + "element, not one number: call forwardTensor(input, target, arena) and backward(gradLoss, arena)");
        }
    }

    /** Fails unless a forward has kept its inputs ({@code kept} non-null). */
    static void requireForward(Loss loss, Tensor kept) {
        if (kept == null) {
            throw new IllegalStateException(loss.getClass().getSimpleName() + ": backward called before forward");
        }
    }

    /** Fails for a null reduction; returns it. */
    static Reduction checked(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException("reduction must not be null (MEAN, SUM or NONE)");
        }
        return reduction;
    }

    /** A finite beta or delta, at least 0 ({@code zeroAllowed}) or above it; returns it. */
    static float width(String name, float value, boolean zeroAllowed) {
        if (!(zeroAllowed ? value >= 0f : value > 0f) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and " + (zeroAllowed ? ">= 0" : "> 0") + ", got " + value);
        }
        return value;
    }
}
