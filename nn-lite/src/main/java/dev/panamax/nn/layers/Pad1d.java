package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.functional.Padding;
import dev.panamax.nn.tensor.Tensor;

/**
 * Padding of the last dimension as a layer ({@code [N, C, L]} or one sequence's {@code [C, L]} to
 * {@code [..., L + left + right]}): PyTorch's {@link ConstantPad1d}, {@link ReflectionPad1d} and
 * {@link ReplicationPad1d} are this with their modes, and {@link PadMode#CIRCULAR} is here too.
 */
public class Pad1d extends Layer {

    private final int[] padding;
    private final PadMode mode;
    private final float value;
    private Tensor x;

    /**
     * @param left  positions before the sequence, at least 0
     * @param right positions after it, at least 0
     * @param mode  what lies outside the input
     * @param value the value of a {@link PadMode#CONSTANT} pad
     */
    public Pad1d(int left, int right, PadMode mode, float value) {
        if (left < 0 || right < 0) {
            throw new IllegalArgumentException("padding must be two ints >= 0 (left, right), got " + left + ", " + right);
        }
        if (mode == null) {
            throw new IllegalArgumentException("padding mode must not be null");
        }
        this.padding = new int[] {left, right};
        this.mode = mode;
        this.value = value;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (x.rank() < 2 || x.rank() > 3) {
            throw new IllegalArgumentException(describe() + " expects [N, C, L] or, unbatched, [C, L], got shape "
                    + Arrays.toString(x.shape()));
        }
        Tensor y = Padding.pad(x, padding, mode, value, arena);
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Padding.padBackward(saved(x), gy, padding, mode, arena);
    }

    /** {@code {left, right}}. */
    public int[] padding() {
        return padding.clone();
    }

    public PadMode mode() {
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
        return describe() + "(" + Arrays.toString(padding) + (getClass() == Pad1d.class ? ", mode=" + mode.pytorchName() : "")
                + (mode == PadMode.CONSTANT && value != 0f ? ", value=" + value : "") + ")";
    }
}
