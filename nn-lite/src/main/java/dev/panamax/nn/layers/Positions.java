package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adding position vectors to a sequence of token vectors, and the gradient of a table of them: the
 * common part of the learned and the sinusoidal positional encodings.
 */
final class Positions {

    private Positions() {
    }

    /** {@code x + table[start .. start + T)} broadcast over the batch; x {@code [N, T, E]} or {@code [T, N, E]}. */
    static Tensor add(Tensor x, Tensor table, int start, boolean batchFirst, Arena arena) {
        long tokens = tokens(x, table, start, batchFirst);
        Tensor y = x.copy(arena);
        long n = batchFirst ? x.size(0) : x.size(1);
        long e = x.size(2);
        for (long b = 0; b < n; b++) {
            for (long t = 0; t < tokens; t++) {
                long row = batchFirst ? b * tokens + t : t * n + b;
                Blas1.saxpy(e, 1f, table.segment(), table.offset() + (start + t) * e, y.segment(), y.offset() + row * e);
            }
        }
        return y;
    }

    /** {@code grad[start + t] += sum_n gy[n, t]} for the table's gradient. */
    static void accumulate(Tensor gy, Tensor grad, int start, boolean batchFirst, Arena arena) {
        Tensor g = gy.contiguous(arena);
        long tokens = batchFirst ? g.size(1) : g.size(0);
        long n = batchFirst ? g.size(0) : g.size(1);
        long e = g.size(2);
        for (long b = 0; b < n; b++) {
            for (long t = 0; t < tokens; t++) {
                long row = batchFirst ? b * tokens + t : t * n + b;
                Blas1.saxpy(e, 1f, g.segment(), g.offset() + row * e, grad.segment(), grad.offset() + (start + t) * e);
            }
        }
    }

    private static long tokens(Tensor x, Tensor table, int start, boolean batchFirst) {
        if (x.rank() != 3 || x.size(2) != table.size(1)) {
            throw new IllegalArgumentException("positions of width " + table.size(1) + " need tokens " + (batchFirst
                    ? "[N, T, " : "[T, N, ") + table.size(1) + "], got " + Arrays.toString(x.shape()));
        }
        long tokens = batchFirst ? x.size(1) : x.size(0);
        if (start < 0 || start + tokens > table.size(0)) {
            throw new IllegalArgumentException("positions " + start + " .. " + (start + tokens - 1) + " pass the table's "
                    + table.size(0) + " (max_len)");
        }
        return tokens;
    }
}
