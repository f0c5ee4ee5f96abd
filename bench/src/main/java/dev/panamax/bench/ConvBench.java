package dev.panamax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.conv.ConvAlgorithm;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.ConvTranspose2d;
import dev.panamax.kernels.conv.ConvTranspose2dPlan;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.kernels.pool.MaxPool2d;
import dev.panamax.kernels.pool.PoolGeometry;

/**
 * The convolution workloads of the CNN issue, forward and forward+backward, in ms per call
 * (mode AverageTime), with 1 and 2 threads: LeNet conv1, a ResNet 3x3, a 1x1, a depthwise 3x3,
 * a stride-2 conv_transpose2d, and max_pool2d 2x2. Beside the library ({@code java}):
 * {@code naive}, the direct seven-loop convolution, on LeNet conv1 only (it takes seconds on the
 * others); {@code gemm}, the GEMMs of the im2col formulation alone (how much of a convolution is
 * GEMM); {@code copy}, reading the input and writing the output once (the memory bandwidth a
 * memory-bound kernel is held to). LeNet conv1's backward computes no input gradient: it is a
 * network's first layer, and PyTorch's reference row ({@code ../shared/bench/pytorch}) does the same.
 * As in those rows, LeNet conv1 and the conv_transpose2d have a bias, the ResNet 3x3, the 1x1 and
 * the depthwise 3x3 none (it would add a pass over the output, 3 % of the 1x1's forward).
 *
 * <pre>bin/panamax bench ConvBench -p threads=1</pre>
 *
 * <p>Every algorithm that applies, side by side: {@code -p impl=java -p algorithm=auto,direct,winograd,implicit,implicit_im2col_dw,im2col,pointwise,depthwise}.
 *
 * <p>Eight seconds of warm-up: with three, on two cores, C2 was still compiling the
 * conv_transpose2d backward during the first measured second (1.4 MB of boxed vectors per
 * forward and backward in that iteration, 80 B after; Zen 5, one thread); with five, the ResNet
 * 3x3 forward+backward on two threads was still settling (Zen 3: warm-up iterations 40.0, 32.5,
 * 29.6, 27.1, 28.6, then 26.5-29.3 ms; the measured iterations after five were 31.5, 28.9 and 44.1).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ConvBench {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @Param({"lenet_conv1", "resnet_3x3", "pointwise_1x1", "depthwise_3x3", "conv_transpose", "max_pool"})
    public String workload;

    /** {@code java}: the library; {@code naive}: the direct loop (LeNet only); {@code gemm}: the im2col GEMMs alone; {@code copy}: memory bandwidth. */
    @Param({"java", "naive", "gemm", "copy"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    /**
     * The convolution algorithm of {@code java}: {@code auto} (the plan's choice), or one forced
     * for the forward pass and both gradients where it applies ({@code implicit_im2col_dw}: implicit
     * GEMM for the forward pass and input gradient, the weight gradient by im2col); a point where
     * it does not apply is skipped.
     * For {@code conv_transpose}: {@code auto}, or {@code im2col} (forward by GEMM and col2im, the
     * gradients by one shared im2col: the algorithm before sub-pixel decomposition).
     */
    @Param({"auto"})
    public String algorithm;

    private Arena arena;
    private int n;
    private int c;
    private int o;
    private int groups;
    private ConvGeometry geometry;
    private Conv2dPlan plan;
    private ConvTranspose2dPlan transposePlan;
    private PoolGeometry pool;
    private MemorySegment x;
    private MemorySegment w;
    private MemorySegment b;
    private MemorySegment y;
    private MemorySegment dy;
    private MemorySegment dx;
    private MemorySegment dw;
    private MemorySegment db;
    private MemorySegment work;
    private MemorySegment col;

    @Setup(Level.Trial)
    public void setUp() {
        if (impl.equals("naive") && !workload.equals("lenet_conv1")) {
            throw new IllegalStateException("the naive loop is only measured on lenet_conv1");
        }
        if (impl.equals("gemm") && (workload.equals("max_pool") || workload.equals("conv_transpose")
                || workload.equals("depthwise_3x3"))) {
            throw new IllegalStateException("the GEMM-alone reference is for the GEMM convolutions");
        }
        WorkerPool.setThreads(threads);
        Backend.setBlasThreads(threads);
        arena = Arena.ofShared();
        long xs;
        long ys;
        long ws;
        switch (workload) {
            case "lenet_conv1" -> conv(64, 1, 6, 28, 5, 1, 2, 1);
            case "resnet_3x3" -> conv(8, 64, 64, 56, 3, 1, 1, 1);
            case "pointwise_1x1" -> conv(8, 256, 64, 56, 1, 1, 0, 1);
            case "depthwise_3x3" -> conv(8, 128, 128, 56, 3, 1, 1, 128);
            case "conv_transpose" -> {
                // x [8, 64, 28, 28] -> y [8, 32, 56, 56], k 4, s 2, p 1: the geometry is the output's
                n = 8;
                c = 64;
                o = 32;
                groups = 1;
                geometry = new ConvGeometry(32, 56, 56, 4, 4, 2, 2, 1, 1, 1, 1);
            }
            case "max_pool" -> {
                n = 8;
                c = 64;
                pool = new PoolGeometry(56, 56, 2, 2, 2, 2, 0, 0);
            }
            default -> throw new IllegalStateException(workload);
        }
        if (pool != null) {
            xs = (long) n * c * 56 * 56;
            ys = (long) n * c * pool.outHeight() * pool.outWidth();
            ws = 1;
        } else if (workload.equals("conv_transpose")) {
            xs = (long) n * c * 28 * 28;
            ys = (long) n * geometry.imageSize();
            ws = (long) c * (o / groups) * 16;
        } else {
            xs = (long) n * geometry.imageSize();
            ys = (long) n * o * geometry.colCols();
            ws = (long) o * (c / groups) * geometry.kernelH() * geometry.kernelW();
        }
        x = MemoryBuffers.random(arena, xs, 1, -1, 1);
        dx = MemoryBuffers.random(arena, xs, 2, -1, 1);
        y = MemoryBuffers.random(arena, ys, 3, -1, 1);
        dy = MemoryBuffers.random(arena, ys, 4, -1, 1);
        w = MemoryBuffers.random(arena, ws, 5, -1, 1);
        dw = MemoryBuffers.random(arena, ws, 6, -1, 1);
        b = MemoryBuffers.random(arena, Math.max(o, 1), 7, -1, 1);
        db = MemoryBuffers.random(arena, Math.max(o, 1), 8, -1, 1);
        if (pool == null && !workload.equals("conv_transpose")) {
            plan = plan(Conv2dPlan.of(geometry, groups, o));
        } else if (pool == null) {
            transposePlan = ConvTranspose2dPlan.of(geometry, groups, c);
            if (algorithm.equals("im2col")) {
                transposePlan = transposePlan.forced(ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.IM2COL_GEMM,
                        ConvAlgorithm.IM2COL_GEMM);
            } else if (!algorithm.equals("auto")) {
                throw new IllegalStateException("conv_transpose takes auto or im2col");   // JMH skips this point
            }
        } else if (!algorithm.equals("auto")) {
            throw new IllegalStateException("max_pool takes no algorithm");   // JMH skips this point
        }
        long workFloats = pool != null ? 4L * ys
                : transposePlan != null ? transposePlan.workspaceFloats()
                : plan.workspaceFloats();
        work = MemoryBuffers.random(arena, Math.max(1, workFloats), 9, 0, 1);
        if (impl.equals("gemm")) {
            col = MemoryBuffers.random(arena, geometry.colRows() * geometry.colCols(), 10, -1, 1);
        }
    }

    /** The automatic plan, or the {@link #algorithm} forced (refused where it does not apply). */
    private Conv2dPlan plan(Conv2dPlan auto) {
        return switch (algorithm) {
            case "auto" -> auto;
            case "implicit_im2col_dw" -> auto.forced(ConvAlgorithm.IMPLICIT_GEMM, ConvAlgorithm.IMPLICIT_GEMM, ConvAlgorithm.IM2COL_GEMM);
            default -> {
                ConvAlgorithm a = ConvAlgorithm.valueOf(switch (algorithm) {
                    case "im2col" -> "IM2COL_GEMM";
                    case "implicit" -> "IMPLICIT_GEMM";
                    case "pointwise" -> "POINTWISE_GEMM";
                    default -> algorithm.toUpperCase(java.util.Locale.ROOT);
                });
                yield auto.forced(a, a, a);
            }
        };
    }

    private void conv(int images, int in, int out, int size, int k, int stride, int pad, int g) {
        n = images;
        c = in;
        o = out;
        groups = g;
        geometry = new ConvGeometry(in, size, size, k, k, stride, stride, pad, pad, 1, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void forward() {
        run(false);
    }

    @Benchmark
    public void forwardBackward() {
        if (impl.equals("naive")) {
            throw new IllegalStateException("the naive reference is forward only");
        }
        run(true);
    }

    private void run(boolean backward) {
        if (impl.equals("copy")) {
            // the memory-bandwidth reference: read the input and write the output once (and the
            // gradients once more for forward+backward), the least a memory-bound kernel must move
            MemorySegment.copy(x, 0, dx, 0, x.byteSize());
            MemorySegment.copy(dy, 0, y, 0, y.byteSize());
            if (backward) {
                MemorySegment.copy(dx, 0, x, 0, x.byteSize());
                MemorySegment.copy(y, 0, dy, 0, y.byteSize());
            }
        } else if (impl.equals("gemm")) {
            gemmAlone(backward);
        } else if (pool != null) {
            MaxPool2d.forward(false, (long) n * c, pool, x, 0, y, 0, work, 0);
            if (backward) {
                MaxPool2d.backward((long) n * c, pool, dy, 0, work, 0, dx, 0);
            }
        } else if (workload.equals("conv_transpose")) {
            ConvTranspose2d.forward(transposePlan, n, x, 0, w, 0, b, 0, y, 0, work, 0);
            if (backward) {
                ConvTranspose2d.backward(transposePlan, n, x, 0, w, 0, dy, 0, dx, 0, dw, 0, db, 0, work, 0);
            }
        } else if (impl.equals("naive")) {
            naiveForward();
        } else {
            MemorySegment bias = biased() ? b : null;
            Conv2d.forward(plan, n, x, 0, w, 0, bias, 0, y, 0, work, 0);
            if (backward) {
                MemorySegment inputGradient = workload.equals("lenet_conv1") ? null : dx;
                Conv2d.backward(plan, n, x, 0, w, 0, dy, 0, inputGradient, 0, dw, 0, biased() ? db : null, 0, work, 0);
            }
        }
    }

    /** Whether the workload's layer has a bias (as its PyTorch reference row). */
    private boolean biased() {
        return workload.equals("lenet_conv1");
    }

    /**
     * The GEMMs of the im2col formulation alone, on a column matrix filled once: per image
     * {@code y = W col} (forward), {@code dW += dy col^T} and {@code dcol = W^T dy} (backward).
     * What a convolution costs with im2col/col2im and every other pass taken away.
     */
    private void gemmAlone(boolean backward) {
        int k = (int) geometry.colRows();
        int l = (int) geometry.colCols();
        for (int img = 0; img < n; img++) {
            Gemm.sgemm(false, false, o, l, k, 1f, w, 0, k, col, 0, l, 0f, y, (long) img * o * l, l);
            if (backward) {
                Gemm.sgemm(false, true, o, k, l, 1f, dy, (long) img * o * l, l, col, 0, l, img == 0 ? 0f : 1f, dw, 0, k);
                Gemm.sgemm(true, false, k, l, o, 1f, w, 0, k, dy, (long) img * o * l, l, 0f, col, 0, l);
            }
        }
    }

    /** The direct convolution loop (groups 1, dilation 1), the reference the kernels must beat. */
    private void naiveForward() {
        ConvGeometry g = geometry;
        int oh = g.outHeight();
        int ow = g.outWidth();
        for (int img = 0; img < n; img++) {
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        float sum = b.getAtIndex(F, oc);
                        for (int ic = 0; ic < c; ic++) {
                            for (int r = 0; r < g.kernelH(); r++) {
                                int yy = i * g.strideH() - g.padH() + r;
                                if (yy < 0 || yy >= g.height()) {
                                    continue;
                                }
                                for (int q = 0; q < g.kernelW(); q++) {
                                    int xx = j * g.strideW() - g.padW() + q;
                                    if (xx >= 0 && xx < g.width()) {
                                        sum += x.getAtIndex(F, (((long) img * c + ic) * g.height() + yy) * g.width() + xx)
                                                * w.getAtIndex(F, ((long) (oc * c + ic) * g.kernelH() + r) * g.kernelW() + q);
                                    }
                                }
                            }
                        }
                        y.setAtIndex(F, (((long) img * o + oc) * oh + i) * ow + j, sum);
                    }
                }
            }
        }
    }
}
