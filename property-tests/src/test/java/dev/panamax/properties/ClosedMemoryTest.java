package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.Attention;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.functional.Embeddings;
import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.functional.SoftmaxFunctions;
import dev.panamax.nn.layers.LSTM;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * Tensors whose memory is gone: from a closed arena, or from a step arena reset or closed since.
 * Every family of public entry points must refuse them with an {@code IllegalStateException} (no
 * crash, no read of freed or reused memory), the native BLAS path included.
 */
class ClosedMemoryTest {

    /** One call per family, on inputs made by {@code make} from a given arena. */
    private static List<Function<Arena, Object>> families(Inputs in) {
        return List.of(
                out -> LinearAlgebra.linear(in.m, in.w, null, out),
                out -> Convolution.conv2d(in.img, in.kernel, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, out),
                out -> Pooling.maxPool2d(false, in.img, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, out),
                out -> Normalization.layerNorm(in.m, new long[] {4}, null, null, 1e-5f, out),
                out -> Activations.forward(Activation.GELU, in.m, out),
                out -> SoftmaxFunctions.softmax(in.m, -1, out),
                out -> Losses.crossEntropy(in.m, in.labels, null, 0f, out),
                out -> Embeddings.lookup(in.m, in.labels, out),
                out -> Attention.scaledDotProduct(in.heads, in.heads, in.heads, null, null, true, null, out),
                out -> new LSTM(4, 3).forward(in.seq, out));
    }

    private record Inputs(Tensor m, Tensor w, Tensor img, Tensor kernel, Tensor labels, Tensor heads, Tensor seq) {
        static Inputs in(Arena a) {
            return new Inputs(Tensor.zeros(a, 3, 4), Tensor.zeros(a, 5, 4), Tensor.zeros(a, 1, 2, 4, 4),
                    Tensor.zeros(a, 3, 2, 3, 3), Tensor.zeros(a, DType.INT64, 3), Tensor.zeros(a, 1, 2, 3, 4),
                    Tensor.zeros(a, 2, 3, 4));
        }
    }

    @Test
    void closedArenas() {
        Arena gone = Arena.ofShared();
        Inputs in = Inputs.in(gone);
        gone.close();
        try (Arena out = Arena.ofShared()) {
            for (Function<Arena, Object> f : families(in)) {
                assertThatThrownBy(() -> f.apply(out)).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void stepArenasResetOrClosedSince() {
        StepArena step = new StepArena();
        Inputs in = Inputs.in(step);
        step.reset();
        try (Arena out = Arena.ofShared()) {
            for (Function<Arena, Object> f : families(in)) {
                assertThatThrownBy(() -> f.apply(out)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("used after reset()");
            }
            Inputs again = Inputs.in(step);
            step.close();
            for (Function<Arena, Object> f : families(again)) {
                assertThatThrownBy(() -> f.apply(out)).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void theNativeBlasPathRefusesClosedMemoryBeforeTheCall() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Backend.blasAvailable(), "no CBLAS library found");
        Arena gone = Arena.ofShared();
        var a = gone.allocate(4 * 16);
        gone.close();
        try (Arena live = Arena.ofShared()) {
            var c = live.allocate(4 * 16);
            assertThatThrownBy(() -> Gemm.sgemm(Backend.BLAS, false, false, 4, 4, 4, 1f, a, 0, 4, c, 0, 4, 0f, c, 0, 4))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
