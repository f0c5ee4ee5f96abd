package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.ConvTranspose2d;
import dev.panamax.kernels.gemm.Sgemm;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.functional.Pooling;
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

    /**
     * A single row times a matrix (a Linear layer at batch 1) is split by ranges of outputs when
     * B is large: B transposed in folds of 16 outputs (LeNet-5's first layer, 120 x 400, among
     * them), B as it is in blocks of columns. Every output is summed as on one thread, to the bit.
     */
    @Test
    void rowTimesMatrixSplitsEqualSerialResults() {
        int max = Math.max(2, Runtime.getRuntime().availableProcessors());
        int[][] shapes = {{120, 400}, {130, 300}, {1000, 77}, {250, 512}};
        for (int[] shape : shapes) {
            for (boolean transB : new boolean[] {true, false}) {
                int n = shape[0];
                int k = shape[1];
                SplittableRandom r = new SplittableRandom(n * 31L + k);
                float[] a = Arrays2.uniform(r, k, -1, 1);
                float[] b = Arrays2.uniform(r, n * k, -1, 1);
                float[] serial = rowTimesMatrix(1, transB, n, k, a, b);
                float[] split = rowTimesMatrix(Math.min(max, threads), transB, n, k, a, b);
                for (int j = 0; j < n; j++) {
                    assertThat(Float.floatToRawIntBits(split[j]))
                            .as("output %d of a row times %s %d x %d", j, transB ? "B^T" : "B", n, k)
                            .isEqualTo(Float.floatToRawIntBits(serial[j]));
                }
            }
        }
    }

    private static float[] rowTimesMatrix(int threads, boolean transB, int n, int k, float[] as, float[] bs) {
        WorkerPool.setThreads(threads);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocateFrom(ValueLayout.JAVA_FLOAT, as);
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_FLOAT, bs);
            MemorySegment c = arena.allocate((long) n * Float.BYTES);
            Sgemm.sgemm(false, transB, 1, n, k, 0.5f, a, 0, k, b, 0, transB ? k : n, 0f, c, 0, n);
            return c.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /**
     * Pools split their planes over the pool (each plane on one thread, as a reusable job): max
     * and average pooling, forward and backward, with 2 x 2 windows and overlapping padded 3 x 3
     * ones, equal the serial result exactly. 6 x 25 planes of 30 x 30: enough for two parts, uneven.
     */
    @Test
    void poolSplitsEqualSerialResults() {
        int max = Math.max(2, Runtime.getRuntime().availableProcessors());
        float[] data = Arrays2.uniform(new SplittableRandom(9), 6 * 25 * 30 * 30, -3, 3);
        int[][][] windows = {{{2, 2}, {2, 2}, {0, 0}}, {{3, 3}, {2, 2}, {1, 1}}};      // kernel, stride, padding
        for (int[][] win : windows) {
            Kernel[] kernels = {
                (x, a) -> Pooling.maxPool2d(false, x, win[0], win[1], win[2], a).y(),
                (x, a) -> Pooling.maxPool2dBackward(x, Pooling.maxPool2d(false, x, win[0], win[1], win[2], a),
                        Pooling.maxPool2d(false, x, win[0], win[1], win[2], a).y(), win[0], win[1], win[2], a),
                (x, a) -> Pooling.avgPool2d(x, win[0], win[1], win[2], true, a),
                (x, a) -> Pooling.avgPool2dBackward(x, Pooling.avgPool2d(x, win[0], win[1], win[2], false, a), win[0],
                        win[1], win[2], false, a),
            };
            for (int ki = 0; ki < kernels.length; ki++) {
                float[] serial = run(1, kernels[ki], data, 6, 25, 30, 30);
                float[] split = run(Math.min(max, threads), kernels[ki], data, 6, 25, 30, 30);
                assertThat(split).as("pool kernel %d, %d x %d window", ki, win[0][0], win[0][1])
                        .containsExactly(serial);
            }
        }
    }

    /**
     * Convolutions split images (direct path) or channels (depthwise) over the pool, each thread
     * with its own workspace slice and weight gradient summed at the end: the split must give the
     * serial result (up to the order of the dW sums). Shapes: 5 images for an uneven split; 6 -> 16
     * channels (direct), 40 -> 40 depthwise, 40 -> 48 (implicit GEMM).
     */
    @Test
    void convolutionSplitsEqualSerialResults() {
        int max = Math.max(2, Runtime.getRuntime().availableProcessors());
        int[][] shapes = {{6, 16, 1}, {40, 40, 40}, {40, 48, 1}};        // in, out, groups
        for (int[] sh : shapes) {
            int c = sh[0];
            int o = sh[1];
            int groups = sh[2];
            SplittableRandom r = new SplittableRandom(c * 31 + o);
            float[] x = Arrays2.uniform(r, 5 * c * 12 * 11, -1, 1);
            float[] w = Arrays2.uniform(r, o * (c / groups) * 9, -1, 1);
            float[] gy = Arrays2.uniform(r, 5 * o * 12 * 11, -1, 1);
            float[][] serial = convolve(1, x, w, gy, c, o, groups);
            float[][] split = convolve(Math.min(max, threads), x, w, gy, c, o, groups);
            String[] names = {"y", "dx", "dw", "db"};
            for (int t = 0; t < serial.length; t++) {
                for (int i = 0; i < serial[t].length; i++) {
                    Close.assertClose(names[t] + " of conv " + c + "->" + o + " element " + i, split[t][i], serial[t][i], 1e-5, 1e-5);
                }
            }
        }
    }

    /**
     * The bias gradient is summed over contiguous parts of the images, one per thread, when dy
     * is large enough (9 images x 16 channels x 16 x 16): each channel's sum equals a double
     * reference, on one thread and split, for a convolution and a transposed one.
     */
    @Test
    void biasGradientSplitsMatchReference() {
        int max = Math.max(2, Runtime.getRuntime().availableProcessors());
        int images = 9, c = 4, o = 16, h = 16;
        int[] one = {1, 1};
        SplittableRandom r = new SplittableRandom(17);
        float[] x = Arrays2.uniform(r, images * c * h * h, -1, 1);
        float[] gy = Arrays2.uniform(r, images * o * h * h, -1, 1);
        double[] want = new double[o];
        for (int n = 0; n < images; n++) {
            for (int ch = 0; ch < o; ch++) {
                for (int i = 0; i < h * h; i++) {
                    want[ch] += gy[(n * o + ch) * h * h + i];
                }
            }
        }
        for (int t : new int[] {1, Math.min(max, 3)}) {
            WorkerPool.setThreads(t);
            try (Arena arena = Arena.ofShared()) {
                Tensor xs = Tensor.of(arena, x, images, c, h, h);
                Tensor dy = Tensor.of(arena, gy, images, o, h, h);
                Tensor w = Tensor.of(arena, Arrays2.uniform(r, o * c * 9, -1, 1), o, c, 3, 3);
                Close.assertClose("db of conv2d on " + t + " threads",
                        Convolution.conv2dBackward(xs, w, true, dy, one, one, one, 1, arena).bias().toFloatArray(), want, 1e-5, 1e-4);
                // conv_transpose2d 4 -> 16 channels with the same dy
                Tensor wt = Tensor.of(arena, Arrays2.uniform(r, c * o * 9, -1, 1), c, o, 3, 3);
                Close.assertClose("db of conv_transpose2d on " + t + " threads",
                        Convolution.convTranspose2dBackward(xs, wt, true, dy, one, one, new int[] {0, 0}, one, 1, arena).bias()
                                .toFloatArray(), want, 1e-5, 1e-4);
            }
        }
    }

    /** y, dx, dw, db of a 3x3, padding 1 convolution of 5 images 12 x 11, in a shared arena. */
    private static float[][] convolve(int threads, float[] xs, float[] ws, float[] gs, int c, int o, int groups) {
        WorkerPool.setThreads(threads);
        int[] one = {1, 1};
        try (Arena arena = Arena.ofShared()) {
            Tensor x = Tensor.of(arena, xs, 5, c, 12, 11);
            Tensor w = Tensor.of(arena, ws, o, c / groups, 3, 3);
            Tensor b = Tensor.zeros(arena, o);
            Tensor y = Convolution.conv2d(x, w, b, one, one, one, groups, arena);
            Convolution.Grads g = Convolution.conv2dBackward(x, w, true, Tensor.of(arena, gs, 5, o, 12, 11), one, one, one,
                    groups, arena);
            return new float[][] {y.toFloatArray(), g.x().toFloatArray(), g.weight().toFloatArray(), g.bias().toFloatArray()};
        }
    }

    /**
     * With fewer images than threads, the direct convolution splits each image's output channels
     * or, where the kernel's pairs of channels do not divide evenly, its output rows over the
     * pool (batch-1 inference); the result equals one thread's bit for bit, bias included, for
     * LeNet-5's two layers (rows and channels on two threads), an odd channel count, and rows in
     * parts of unequal height.
     */
    @Test
    void oneImageSplitEqualsOneThread() {
        int max = Math.max(2, Runtime.getRuntime().availableProcessors());
        // in, out, kernel, padding, size
        int[][] shapes = {{1, 6, 5, 2, 28}, {6, 16, 5, 0, 14}, {3, 7, 3, 1, 20}, {2, 6, 3, 0, 11}, {1, 10, 5, 2, 13}};
        for (int[] sh : shapes) {
            ConvGeometry g = new ConvGeometry(sh[0], sh[4], sh[4], sh[2], sh[2], 1, 1, sh[3], sh[3], 1, 1);
            SplittableRandom r = new SplittableRandom(sh[1]);
            float[] x = Arrays2.uniform(r, (int) g.imageSize(), -1, 1);
            float[] w = Arrays2.uniform(r, (int) (sh[1] * g.colRows()), -1, 1);
            float[] b = Arrays2.uniform(r, sh[1], -1, 1);
            float[] one = conv(1, g, sh[1], x, w, b);
            float[] split = conv(Math.min(max, threads), g, sh[1], x, w, b);
            assertThat(split).as("%s", java.util.Arrays.toString(sh)).containsExactly(one);
        }
    }

    private static float[] conv(int threads, ConvGeometry g, int out, float[] xs, float[] ws, float[] bs) {
        WorkerPool.setThreads(threads);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = arena.allocateFrom(ValueLayout.JAVA_FLOAT, xs);
            MemorySegment w = arena.allocateFrom(ValueLayout.JAVA_FLOAT, ws);
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_FLOAT, bs);
            MemorySegment y = arena.allocate((long) out * g.colCols() * Float.BYTES);
            MemorySegment work = arena.allocate(Conv2d.workspaceFloats(g, 1, out) * Float.BYTES);
            work.fill((byte) 0xFF);
            Conv2d.forward(1, 1, g, out, x, 0, w, 0, b, 0, y, 0, work, 0);
            return y.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /**
     * The im2col path in its smallest workspace (one output row per chunk, one thread) and in its
     * default one (whole-image chunks, images over the pool) gives the same y, dx and dw, for
     * conv2d (strided with groups, stride 1 backward, 1 x 1, and LeNet-5's two 5 x 5 layers, which
     * take the direct kernel) and conv_transpose2d. The default workspace starts full of NaN, the
     * smallest zeroed: kernels must write their workspace before they read it (the layers hand
     * them recycled, unzeroed memory).
     */
    @Test
    void im2colChunksAndSplitsEqualWholeImages() {
        int max = Math.max(2, Runtime.getRuntime().availableProcessors());
        // in, out, groups, kernel, stride, padding; then a transposed 4x4 stride 2
        int[][] shapes = {{6, 4, 2, 3, 2, 1}, {40, 48, 1, 3, 1, 1}, {16, 8, 1, 1, 1, 0}, {1, 6, 1, 5, 1, 2}, {6, 16, 1, 5, 1, 0},
            {8, 6, 1, 4, 2, 1}};
        for (int t = 0; t < shapes.length; t++) {
            int[] sh = shapes[t];
            boolean transposed = t == shapes.length - 1;
            ConvGeometry g = new ConvGeometry(transposed ? sh[1] : sh[0], 13, 11, sh[3], sh[3], sh[4], sh[4], sh[5], sh[5], 1, 1);
            SplittableRandom r = new SplittableRandom(t);
            float[] x = Arrays2.uniform(r, (int) (5 * (transposed ? sh[0] * g.colCols() : g.imageSize())), -1, 1);
            float[] w = Arrays2.uniform(r, (int) ((transposed ? sh[0] : sh[1]) * g.colRows()), -1, 1);
            float[] gy = Arrays2.uniform(r, (int) (5 * (transposed ? g.imageSize() : sh[1] * g.colCols())), -1, 1);
            float[][] small = chunked(1, true, transposed, g, sh, x, w, gy);
            float[][] whole = chunked(Math.min(max, threads), false, transposed, g, sh, x, w, gy);
            String[] names = {"y", "dx", "dw"};
            for (int k = 0; k < small.length; k++) {
                for (int i = 0; i < small[k].length; i++) {
                    if (Float.isNaN(whole[k][i])) {
                        throw new AssertionError(names[k] + " of case " + t + " element " + i + " is NaN: a kernel read "
                                + "its workspace before writing it");
                    }
                    Close.assertClose(names[k] + " of case " + t + " element " + i, whole[k][i], small[k][i], 1e-5, 1e-5);
                }
            }
        }
    }

    private static float[][] chunked(int threads, boolean minimum, boolean transposed, ConvGeometry g, int[] sh,
                                     float[] xs, float[] ws, float[] gs) {
        WorkerPool.setThreads(threads);
        int groups = sh[2];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = arena.allocateFrom(ValueLayout.JAVA_FLOAT, xs);
            MemorySegment w = arena.allocateFrom(ValueLayout.JAVA_FLOAT, ws);
            MemorySegment gy = arena.allocateFrom(ValueLayout.JAVA_FLOAT, gs);
            MemorySegment y = arena.allocate((long) gs.length * Float.BYTES);
            MemorySegment dx = arena.allocate((long) xs.length * Float.BYTES);
            MemorySegment dw = arena.allocate((long) ws.length * Float.BYTES);
            long floats = transposed
                    ? (minimum ? ConvTranspose2d.minimumWorkspaceFloats(g, groups, sh[0]) : ConvTranspose2d.workspaceFloats(g, groups, sh[0]))
                    : (minimum ? Conv2d.minimumWorkspaceFloats(g, groups, sh[1]) : Conv2d.workspaceFloats(g, groups, sh[1]));
            MemorySegment work = arena.allocate(floats * Float.BYTES);
            if (!minimum) {
                work.fill((byte) 0xFF);                       // every float NaN
            }
            if (transposed) {
                ConvTranspose2d.forward(5, groups, g, sh[0], x, 0, w, 0, null, 0, y, 0, work, 0);
                ConvTranspose2d.backward(5, groups, g, sh[0], x, 0, w, 0, gy, 0, dx, 0, dw, 0, null, 0, work, 0);
            } else {
                Conv2d.forward(5, groups, g, sh[1], x, 0, w, 0, null, 0, y, 0, work, 0);
                Conv2d.backward(5, groups, g, sh[1], x, 0, w, 0, gy, 0, dx, 0, dw, 0, null, 0, work, 0);
            }
            return new float[][] {y.toArray(ValueLayout.JAVA_FLOAT), dx.toArray(ValueLayout.JAVA_FLOAT),
                dw.toArray(ValueLayout.JAVA_FLOAT)};
        }
    }
}
