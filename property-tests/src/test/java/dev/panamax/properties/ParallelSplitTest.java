package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.functional.SoftmaxFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * Large inputs in a shared arena are split over the worker pool; the split must not change a
 * single bit of the result (each element or row is computed by exactly one thread, the same way).
 * Confined arenas stay on the calling thread.
 */
class ParallelSplitTest {

    private final int threads = WorkerPool.threads();

    @AfterEach
    void restore() {
        WorkerPool.setThreads(threads);
    }

    private interface Kernel {
        Tensor apply(Tensor x, Arena arena);
    }

    private static float[] run(int threads, Kernel k, float[] data, long... shape) {
        WorkerPool.setThreads(threads);
        try (Arena arena = Arena.ofShared()) {
            return k.apply(Tensor.of(arena, data, shape), arena).toFloatArray();
        }
    }

    @Test
    void splitResultsEqualSerialResults() {
        int max = Math.max(2, Runtime.getRuntime().availableProcessors());
        float[] data = Arrays2.uniform(new SplittableRandom(4), 1000 * 1037, -6, 6);
        Kernel[] kernels = {
            (x, a) -> Activations.forward(Activation.GELU, x, a),
            (x, a) -> Activations.backward(Activation.MISH, x, x, a),
            (x, a) -> SoftmaxFunctions.softmax(x, 1, a),
            (x, a) -> SoftmaxFunctions.logSoftmax(x, 1, a),
            (x, a) -> Normalization.layerNorm(x, new long[] {1037}, null, null, 1e-5f, a).y(),
        };
        for (Kernel k : kernels) {
            float[] serial = run(1, k, data, 1000, 1037);
            float[] split = run(Math.min(max, threads), k, data, 1000, 1037);
            assertThat(java.util.Arrays.equals(split, serial)).as("split result equals the serial one, bit for bit").isTrue();
        }
    }
}
