package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/**
 * Padding of the last dimension as a layer ({@code [N, C, L]} or one sequence's {@code [C, L]} to
 * {@code [..., L + left + right]}): PyTorch's {@link ConstantPad1d}, {@link ReflectionPad1d} and
 * {@link ReplicationPad1d} are this with their modes, and {@link PadMode#CIRCULAR} is here too.
 */
public non-sealed class Pad1d extends Pad {

    /**
     * @param left  positions before the sequence, at least 0
     * @param right positions after it, at least 0
     * @param mode  what lies outside the input
     * @param value the value of a {@link PadMode#CONSTANT} pad
     */
    public Pad1d(int left, int right, PadMode mode, float value) {
        super(checked(left, right), mode, value);
    }

    private static int[] checked(int left, int right) {
        if (left < 0 || right < 0) {
            throw new IllegalArgumentException("padding must be two ints >= 0 (left, right), got " + left + ", " + right);
        }
        return new int[] {left, right};
    }

    @Override
    boolean takesRank(int rank) {
        return rank == 2 || rank == 3;
    }

    @Override
    String layout() {
        return "[N, C, L] or, unbatched, [C, L]";
    }
}
