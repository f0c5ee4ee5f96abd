package dev.panamax.kernels.pad;

import java.util.Locale;

/** What padding puts outside the input: {@code torch.nn.functional.pad}'s modes, with its names. */
public enum PadMode {

    /** {@code "constant"}: one value (0 for zero padding, a convolution's {@code padding_mode="zeros"}). */
    CONSTANT,

    /** {@code "reflect"}: the input mirrored about its edge, the edge itself not repeated; each pad below the size. */
    REFLECT,

    /** {@code "replicate"}: the edge repeated. */
    REPLICATE,

    /** {@code "circular"}: the input wrapped round, as a torus; each pad at most the size. */
    CIRCULAR;

    /**
     * The mode PyTorch names {@code name}: {@code "constant"}, {@code "reflect"}, {@code "replicate"}
     * or {@code "circular"}; {@code "zeros"} (a convolution's padding_mode) is {@link #CONSTANT}.
     */
    public static PadMode of(String name) {
        if ("zeros".equals(name)) {
            return CONSTANT;
        }
        for (PadMode m : values()) {
            if (m.pytorchName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("padding mode must be \"constant\" (or \"zeros\"), \"reflect\", \"replicate\" or "
                + "\"circular\", got \"" + name + "\"");
    }

    /** PyTorch's name for it. */
    public String pytorchName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The input row (or column) that padded position {@code p} reads, for {@code p} in
     * {@code [-before, size + after)}; -1 where {@link #CONSTANT} puts its value.
     */
    int source(int p, int size) {
        if (p >= 0 && p < size) {
            return p;
        }
        return switch (this) {
            case CONSTANT -> -1;
            case REFLECT -> p < 0 ? -p : 2 * (size - 1) - p;
            case REPLICATE -> p < 0 ? 0 : size - 1;
            case CIRCULAR -> Math.floorMod(p, size);
        };
    }
}
