package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.functional.Padding;
import dev.panamax.nn.tensor.Tensor;

/**
 * Padding as a layer, {@link Pad1d} of the last dimension and {@link Pad2d} of the last two: the
 * pads in {@code F.pad}'s order ({@code left, right}, then {@code top, bottom}), a mode and a
 * constant's value; {@link Padding} does the work, forward and backward.
 */
public abstract sealed class Pad extends Layer permits Pad1d, Pad2d {

    private final int[] padding;
    private final PadMode mode;
    private final float value;
    private Tensor x;

    Pad(int[] padding, PadMode mode, float value) {
        if (mode == null) {
            throw new IllegalArgumentException("padding mode must not be null");
        }
        this.padding = padding.clone();
        this.mode = mode;
        this.value = value;
    }

    /** Whether the layer takes an input of this rank (a batch, or one sample without its batch dimension). */
    abstract boolean takesRank(int rank);

    /** The input's layout, for the message that refuses another: {@code "[N, C, L] or, unbatched, [C, L]"}. */
    abstract String layout();

    @Override
    public final Tensor forward(Tensor x, Arena arena) {
        if (!takesRank(x.rank())) {
            throw new IllegalArgumentException(describe() + " expects " + layout() + ", got shape " + Arrays.toString(x.shape()));
        }
        Tensor y = Padding.pad(x, padding, mode, value, arena);
        this.x = x;
        return y;
    }

    @Override
    public final Tensor backward(Tensor gy, Arena arena) {
        return Padding.padBackward(saved(x), gy, padding, mode, arena);
    }

    /** The pads, in {@code F.pad}'s order. */
    public final int[] padding() {
        return padding.clone();
    }

    public final PadMode mode() {
        return mode;
    }

    @Override
    public String family() {
        return "padding";
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        boolean general = getClass() == Pad1d.class || getClass() == Pad2d.class;
        return describe() + "(" + Arrays.toString(padding) + (general ? ", mode=" + mode.pytorchName() : "")
                + (mode == PadMode.CONSTANT && value != 0f ? ", value=" + value : "") + ")";
    }
}
