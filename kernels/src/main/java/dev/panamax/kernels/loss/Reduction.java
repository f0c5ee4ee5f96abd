package dev.panamax.kernels.loss;

import java.util.Locale;

/**
 * How a loss reduces the losses of its elements (or, for cross-entropy, of its samples and
 * positions) to what it returns: PyTorch's {@code reduction} argument, with its names.
 */
public enum Reduction {

    /**
     * {@code "mean"}, PyTorch's default: the mean, weighted where the loss has weights (cross-entropy
     * against class indices divides by the summed weights of the targets it did not ignore).
     */
    MEAN,

    /** {@code "sum"}: the sum of the (weighted) losses; the mean without its divisor. */
    SUM,

    /** {@code "none"}: no reduction, one loss per element (per sample or position for cross-entropy). */
    NONE;

    /** The reduction PyTorch names {@code name}: {@code "mean"}, {@code "sum"} or {@code "none"}. */
    public static Reduction of(String name) {
        for (Reduction r : values()) {
            if (r.pytorchName().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("reduction must be \"mean\", \"sum\" or \"none\", got \"" + name + "\"");
    }

    /** PyTorch's name for it: {@code "mean"}, {@code "sum"} or {@code "none"}. */
    public String pytorchName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Refuses {@link #NONE} where a kernel returns one number; {@code perElement} names the call that takes it. */
    static Reduction scalar(Reduction reduction, String perElement) {
        if (reduction == null) {
            throw new IllegalArgumentException("reduction must not be null");
        }
        if (reduction == NONE) {
            throw new IllegalArgumentException("reduction NONE gives a loss per element, not one number: call " + perElement);
        }
        return reduction;
    }
}
