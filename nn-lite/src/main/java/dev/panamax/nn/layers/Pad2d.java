package dev.panamax.nn.layers;

import java.util.Arrays;

import dev.panamax.kernels.pad.PadMode;

/**
 * Padding of the last two dimensions as a layer ({@code [N, C, H, W]} or one image's
 * {@code [C, H, W]} to {@code [..., H + top + bottom, W + left + right]}): PyTorch's
 * {@link ZeroPad2d}, {@link ConstantPad2d}, {@link ReflectionPad2d} and {@link ReplicationPad2d}
 * are this with their modes, and {@link PadMode#CIRCULAR} is here too.
 */
public non-sealed class Pad2d extends Pad {

    /**
     * @param padding {@code {left, right, top, bottom}}, PyTorch's order, each at least 0
     * @param mode    what lies outside the input
     * @param value   the value of a {@link PadMode#CONSTANT} pad
     */
    public Pad2d(int[] padding, PadMode mode, float value) {
        super(checked(padding), mode, value);
    }

    private static int[] checked(int[] padding) {
        if (padding == null || padding.length != 4 || Arrays.stream(padding).anyMatch(p -> p < 0)) {
            throw new IllegalArgumentException("padding must be four ints >= 0 (left, right, top, bottom), got "
                    + Arrays.toString(padding));
        }
        return padding;
    }

    @Override
    boolean takesRank(int rank) {
        return rank >= 3;
    }

    @Override
    String layout() {
        return "[N, C, H, W] or, unbatched, [C, H, W]";
    }
}
