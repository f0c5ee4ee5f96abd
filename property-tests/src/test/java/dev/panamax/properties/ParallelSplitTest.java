package dev.panamax.properties;


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
 * Large inputs in a shared arena are split over the worker pool; the split must not change the
 * result: each element or row is computed by exactly one thread, the same way. (Equal to the last
 * bits only up to the JIT: a lane reduction's order differs between the interpreter and C2, so
 * two runs may differ by an ulp.)
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
        for (int ki = 0; ki < kernels.length; ki++) {
            Kernel k = kernels[ki];
            float[] serial = run(1, k, data, 1000, 1037);
            float[] split = run(Math.min(max, threads), k, data, 1000, 1037);
            for (int i = 0; i < serial.length; i++) {
                Close.assertClose("kernel " + ki + " element " + i, split[i], serial[i], 1e-6, 1e-7);
            }
        }
    }
}
