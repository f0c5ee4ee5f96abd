package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.conv.ConvAlgorithm;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.ConvPass;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.AvgPool2d;
import dev.panamax.nn.layers.InferenceMode;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.MaxPool2d;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.tensor.Tensor;

/**
 * The fused inference kernel {@code max_pool2d(relu(conv2d(x, w) + b), 2)} (or {@code avg_pool2d})
 * gives the values of the convolution, the ReLU and the 2 x 2 pool run one after another (the sign
 * of every zero included; a NaN where they give a NaN), whatever the split over threads, and
 * {@link Sequential} uses it in inference only.
 */
class ConvReluPoolTest {

    private final int threads = WorkerPool.threads();

    @AfterEach
    void restoreThreads() {
        WorkerPool.setThreads(threads);
    }

    /**
     * Random stride-1 shapes the direct kernel takes (odd and even output sizes, rows shorter and
     * longer than a vector, groups, dilation), batches of one image (its channels or rows split
     * over two threads) and of several, with and without bias, inputs with zeros, negative zeros
     * and NaNs.
     */
    @Test
    void fusedEqualsConvolutionThenReluThenPool() {
        qt().withExamples(120).forAll(integers().between(2, 40), integers().between(1, 9), integers().between(0, 7), longs().all())
                .checkAssert((size, out, kind, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int in = 1 + r.nextInt(4);
                    int groups = kind % 4 == 3 && in % 2 == 0 && out % 2 == 0 ? 2 : 1;
                    int kernel = 1 + r.nextInt(5);
                    int pad = r.nextInt(kernel / 2 + 1);
                    int dilation = kind == 5 ? 2 : 1;
                    int width = size + r.nextInt(20);
                    if (dilation * (kernel - 1) + 1 > size + 2 * pad) {
                        return;
                    }
                    ConvGeometry image = new ConvGeometry(in, size, width, kernel, kernel, 1, 1, pad, pad, dilation, dilation);
                    if (image.outHeight() < 2 || image.outWidth() < 2) {
                        return;
                    }
                    Conv2dPlan auto = Conv2dPlan.of(image, groups, out);
                    if (!auto.applies(ConvAlgorithm.DIRECT, ConvPass.FORWARD)) {
                        return;
                    }
                    Conv2dPlan plan = auto.forced(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.IM2COL_GEMM);
                    int images = kind % 2 == 0 ? 1 : 2 + r.nextInt(3);
                    boolean special = kind >= 4;
                    float[] xs = new float[images * in * size * width];
                    for (int i = 0; i < xs.length; i++) {
                        int v = special ? r.nextInt(12) : 9;
                        xs[i] = v == 0 ? Float.NaN : v == 1 ? -0f : v == 2 ? 0f : (float) r.nextGaussian();
                    }
                    float[] ws = Arrays2.uniform(r, out * (in / groups) * kernel * kernel, -1, 1);
                    float[] bs = kind % 3 == 0 ? null : Arrays2.uniform(r, out, -1, 1);
                    boolean average = r.nextBoolean();
                    WorkerPool.setThreads(1 + r.nextInt(2));
                    try (Arena arena = Arena.ofShared()) {
                        Tensor x = Tensor.of(arena, xs, images, in, size, width);
                        Tensor w = Tensor.of(arena, ws, out, in / groups, kernel, kernel);
                        Tensor b = bs == null ? null : Tensor.of(arena, bs, out);
                        Conv2dPlan p = plan.withThreads(WorkerPool.threads());
                        float[] want = unfused(x, w, b, p, average, arena);
                        float[] got = Convolution.conv2dReluPool(x, w, b, p, average, arena).toFloatArray();
                        Arrays2.assertSameValues(image + " groups " + groups + " out " + out + " images " + images + " threads "
                                + WorkerPool.threads() + " bias " + (b != null) + " average " + average, got, want);
                    }
                });
    }

    /**
     * One image on two threads, split by output rows (6 channels: the kernel's pairs of channels
     * do not divide evenly) or by channels (8), at every output height from 2 to 15: each thread
     * pools whole pairs of rows, an odd half included. (Shared memory: the pool splits nothing
     * that another thread may not read.)
     */
    @Test
    void oneImageSplitPoolsWholePairsOfRows() {
        for (int out : new int[] {6, 8}) {
            for (int height = 2; height <= 15; height++) {
                ConvGeometry image = new ConvGeometry(2, height, 19, 3, 3, 1, 1, 1, 1, 1, 1);
                Conv2dPlan plan = Conv2dPlan.of(image, 1, out, 2)
                        .forced(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.IM2COL_GEMM);
                SplittableRandom r = new SplittableRandom(height);
                WorkerPool.setThreads(2);
                try (Arena arena = Arena.ofShared()) {
                    Tensor x = Tensor.of(arena, Arrays2.uniform(r, 2 * height * 19, -1, 1), 1, 2, height, 19);
                    Tensor w = Tensor.of(arena, Arrays2.uniform(r, out * 2 * 9, -1, 1), out, 2, 3, 3);
                    Tensor b = Tensor.of(arena, Arrays2.uniform(r, out, -1, 1), out);
                    for (boolean average : new boolean[] {false, true}) {
                        float[] want = unfused(x, w, b, plan, average, arena);
                        Arrays2.assertSameValues("height " + height + ", " + out + " channels, average " + average,
                                Convolution.conv2dReluPool(x, w, b, plan, average, arena).toFloatArray(), want);
                    }
                }
            }
        }
    }

    private static float[] unfused(Tensor x, Tensor w, Tensor b, Conv2dPlan plan, boolean average, Arena arena) {
        Tensor a = Activations.forward(Activation.RELU, Convolution.conv2d(x, w, b, plan, arena), arena);
        int[] two = {2, 2};
        int[] none = {0, 0};
        if (average) {
            return Pooling.avgPool2d(a, two, two, none, true, arena).toFloatArray();
        }
        return Pooling.maxPool2dValues(false, a, Pooling.geometry(a, two, two, none, null), arena).toFloatArray();
    }

    /** Plans of another forward algorithm are refused by name, and so are outputs too small to pool. */
    @Test
    void otherPlansAreRefused() {
        ConvGeometry image = new ConvGeometry(8, 12, 12, 3, 3, 1, 1, 1, 1, 1, 1);
        Conv2dPlan auto = Conv2dPlan.of(image, 1, 8);
        Conv2dPlan im2col = auto.forced(ConvAlgorithm.IM2COL_GEMM, auto.inputGradient(), auto.weightGradient());
        assertThat(Conv2d.fusesReluPool(im2col)).isFalse();
        assertThat(Conv2d.fusesReluPool(auto.forced(ConvAlgorithm.DIRECT, auto.inputGradient(), auto.weightGradient())))
                .isTrue();
        try (Arena arena = Arena.ofShared()) {
            Tensor x = Tensor.zeros(arena, 1, 8, 12, 12);
            Tensor w = Tensor.zeros(arena, 8, 8, 3, 3);
            assertThatThrownBy(() -> Convolution.conv2dReluPool(x, w, null, im2col, false, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IM2COL_GEMM");
        }
        ConvGeometry narrow = new ConvGeometry(1, 5, 1, 1, 1, 1, 1, 0, 0, 1, 1);
        Conv2dPlan one = Conv2dPlan.of(narrow, 1, 2);
        assertThat(Conv2d.fusesReluPool(one)).isFalse();
    }

    /**
     * In {@link InferenceMode} a Sequential runs Conv2d, ReLU, MaxPool2d(2) (and Conv2d, ReLU,
     * AvgPool2d(2)) as the fused kernel: the same values as the layers called one by one, a
     * pool's backward then fails as after any inference forward, and in training mode nothing is
     * fused (backward works).
     */
    @Test
    void sequentialFusesInInferenceOnly() {
        Init.manualSeed(3);
        Sequential net = new Sequential()
                .add("c1", new dev.panamax.nn.layers.Conv2d(1, 6, 5, 1, 2)).add("r1", ActivationLayer.relu())
                .add("p1", new MaxPool2d(2))
                .add("c2", new dev.panamax.nn.layers.Conv2d(6, 16, 5, 1, 0)).add("r2", ActivationLayer.relu())
                .add("p2", new AvgPool2d(2));
        net.eval();
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom r = new SplittableRandom(9);
            Tensor x = Tensor.of(arena, Arrays2.uniform(r, 3 * 28 * 28, -1, 1), 3, 1, 28, 28);
            float[] oneByOne = FusedInference.assertFusedForwardIsLayerByLayer(net, x, arena);
            Layer maxPool = net.layers().get(2);
            assertThatThrownBy(() -> maxPool.backward(Tensor.zeros(arena, 3, 6, 14, 14), arena))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("InferenceMode");
            Layer averagePool = net.layers().get(5);
            assertThatThrownBy(() -> averagePool.backward(Tensor.zeros(arena, 3, 16, 5, 5), arena))
                    .isInstanceOf(IllegalStateException.class);
            net.train();
            Tensor y = net.forward(x, arena);
            assertThat(y.toFloatArray()).containsExactly(oneByOne);
            assertThatCode(() -> net.backward(Tensor.zeros(arena, 3, 16, 5, 5), arena)).doesNotThrowAnyException();
        }
    }
}
