package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.functional.Padding;
import dev.panamax.nn.tensor.Tensor;

/**
 * Padding of the last two dimensions as a layer ({@code [N, C, H, W]} or one image's
 * {@code [C, H, W]} to {@code [..., H + top + bottom, W + left + right]}): PyTorch's
 * {@link ZeroPad2d}, {@link ConstantPad2d}, {@link ReflectionPad2d} and {@link ReplicationPad2d}
 * are this with their modes, and {@link PadMode#CIRCULAR} is here too.
 */
public class Pad2d extends Layer {

    private final int[] padding;
    private final PadMode mode;
    private final float value;
    private Tensor x;

    /**
     * @param padding {@code {left, right, top, bottom}}, PyTorch's order, each at least 0
     * @param mode    what lies outside the input
     * @param value   the value of a {@link PadMode#CONSTANT} pad
     */
    public Pad2d(int[] padding, PadMode mode, float value) {
        if (padding == null || padding.length != 4 || Arrays.stream(padding).anyMatch(p -> p < 0)) {
            throw new IllegalArgumentException("padding must be four ints >= 0 (left, right, top, bottom), got "
                    + Arrays.toString(padding));
        }
        if (mode == null) {
            throw new IllegalArgumentException("padding mode must not be null");
        }
        this.padding = padding.clone();
        this.mode = mode;
        this.value = value;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (x.rank() < 3) {
            throw new IllegalArgumentException(describe() + " expects [N, C, H, W] or, unbatched, [C, H, W], got shape "
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

    /** {@code {left, right, top, bottom}}. */
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
        return describe() + "(" + Arrays.toString(padding) + (getClass() == Pad2d.class ? ", mode=" + mode.pytorchName() : "")
                + (mode == PadMode.CONSTANT && value != 0f ? ", value=" + value : "") + ")";
    }
}
