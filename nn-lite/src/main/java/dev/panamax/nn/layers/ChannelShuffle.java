package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.ChannelShuffle(groups)} (ShuffleNet): the channels of {@code [N, C, *]},
 * seen as {@code groups} groups of {@code C / groups}, interleaved, so that the next grouped
 * convolution sees channels from every group: output channel {@code j groups + i} is input channel
 * {@code i C / groups + j}. Backward applies the inverse permutation (PyTorch 1.13 has no gradient
 * for this op).
 */
public final class ChannelShuffle extends Layer {

    private final int groups;

    public ChannelShuffle(int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        }
        this.groups = groups;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return shuffle(x, groups, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return shuffle(gy, Math.toIntExact(gy.size(1) / groups), arena);   // C/g groups of g undo g groups of C/g
    }

    /** The channels as {@code [N, g, C/g, rest]} transposed to {@code [N, C/g, g, rest]}. */
    private Tensor shuffle(Tensor x, int g, Arena arena) {
        if (x.rank() < 3 || x.size(1) % groups != 0) {
            throw new IllegalArgumentException(describe() + " expects [N, C, *] of 3 or more dimensions with C divisible by "
                    + groups + ", got " + Arrays.toString(x.shape()));
        }
        long n = x.size(0);
        long c = x.size(1);
        long rest = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
        Tensor grouped = x.contiguous(arena).view(n, g, c / g, rest);
        return grouped.transpose(1, 2).contiguous(arena).view(x.shape());
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        return describe() + "(" + groups + ")";
    }
}
