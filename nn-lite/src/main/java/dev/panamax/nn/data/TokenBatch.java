package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.List;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * A batch of token sequences of different lengths for a recurrent model, sequence-first and
 * padded to the longest: {@code inputs [T, N]}, {@code targets [T, N]} (int64) and
 * {@code lengths [N]}, where padded inputs are {@code padInput} and padded targets are
 * {@code ignoreTarget} (a loss's {@code ignore_index}), so that the model runs only the valid
 * steps (lengths) and the loss counts only the valid positions.
 */
public record TokenBatch(Tensor inputs, Tensor targets, Tensor lengths) {

    /** PyTorch's {@code ignore_index} default. */
    public static final long IGNORE = -100;

    /**
     * Packs sequences; {@code targets} may be null (inputs only), else one per input, of the same length.
     *
     * @throws IllegalArgumentException for no sequence, an empty one, or targets of another length
     */
    public static TokenBatch of(List<long[]> inputs, List<long[]> targets, long padInput, long ignoreTarget, Arena arena) {
        int n = inputs.size();
        if (n == 0 || (targets != null && targets.size() != n)) {
            throw new IllegalArgumentException("a batch needs at least one sequence and one target sequence per input, got "
                    + n + " and " + (targets == null ? "none" : targets.size()));
        }
        int steps = 0;
        long[] lengths = new long[n];
        for (int i = 0; i < n; i++) {
            int len = inputs.get(i).length;
            if (len == 0 || (targets != null && targets.get(i).length != len)) {
                throw new IllegalArgumentException("sequence " + i + " has " + len + " inputs and "
                        + (targets == null ? "no" : targets.get(i).length) + " targets; both must be equal and > 0");
            }
            lengths[i] = len;
            steps = Math.max(steps, len);
        }
        Tensor in = Tensor.zeros(arena, DType.INT64, steps, n);
        Tensor out = targets == null ? null : Tensor.zeros(arena, DType.INT64, steps, n);
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < n; i++) {
                boolean valid = t < lengths[i];
                in.setLong(valid ? inputs.get(i)[t] : padInput, t, i);
                if (out != null) {
                    out.setLong(valid ? targets.get(i)[t] : ignoreTarget, t, i);
                }
            }
        }
        return new TokenBatch(in, out, Tensor.ofLongs(arena, lengths, n));
    }

    /** Sequence length T of the batch (the longest). */
    public long steps() {
        return inputs.size(0);
    }

    /** Sequences N. */
    public long size() {
        return inputs.size(1);
    }

    /** Valid positions: the sum of the lengths. */
    public long tokens() {
        long s = 0;
        for (long l : lengths.toLongArray()) {
            s += l;
        }
        return s;
    }
}
