package dev.panamax.nn.layers;

import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/** How the 1-d pools run on the 2-d ones: a sequence batch {@code [N, C, L]} as images {@code [N, C, 1, L]}. */
final class Pool1d {

    private Pool1d() {
    }

    /** Whether x is one sequence {@code [C, L]} (else a batch {@code [N, C, L]}); fails for other ranks. */
    static boolean unbatched(Layer layer, Tensor x) {
        if (x.rank() == 3 || x.rank() == 2) {
            return x.rank() == 2;
        }
        throw new IllegalArgumentException(layer + " expects [N, C, L] or, unbatched, [C, L], got " + Arrays.toString(x.shape()));
    }

    /** {@code [N, C, L]} (or {@code [C, L]}) as {@code [N, C, 1, L]}. */
    static Tensor image(Tensor t, boolean unbatched) {
        return (unbatched ? t.unsqueeze(0) : t).unsqueeze(2);
    }

    /** The inverse of {@link #image}. */
    static Tensor sequence(Tensor t, boolean unbatched) {
        Tensor s = t.squeeze(2);
        return unbatched ? s.squeeze(0) : s;
    }
}
