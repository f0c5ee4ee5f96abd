package dev.panamax.properties;

import static dev.panamax.properties.ConvProblem.copy;
import static dev.panamax.properties.ConvProblem.floats;
import static dev.panamax.properties.ConvProblem.geometry;
import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.conv.ConvAlgorithm;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Convolution plans: every algorithm that applies to a shape, forced one by one for the forward
 * pass and each gradient, against a double-precision convolution and its exact gradients; the
 * automatic choice; algorithms refused where they do not apply; a plan's workspace still accepted
 * after the pool's thread count changed; the depthwise kernel's padded planes bounded.
 */
class Conv2dPlanTest {

    @Test
    void everyAlgorithmThatAppliesMatchesTheReference() {
        qt().withExamples(40).forAll(integers().between(0, 3), integers().between(1, 3), integers().between(1, 3), longs().all())
                .checkAssert((kind, kh, kw, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    // kind 0: depthwise; 1: groups of 2; 2: one group, few channels; 3: one group, many (> 32)
                    int groups = kind == 0 ? 2 + r.nextInt(3) : kind == 1 ? 2 : 1;
                    int c = kind == 0 ? groups : kind == 1 ? 2 * (1 + r.nextInt(3)) : kind == 2 ? 1 + r.nextInt(5) : 33 + r.nextInt(4);
                    int o = kind == 0 ? groups : kind == 1 ? 2 * (1 + r.nextInt(3)) : 1 + r.nextInt(kind == 3 ? 40 : 6);
                    int stride = r.nextInt(4) == 0 ? 2 : 1;
                    int dilation = r.nextInt(4) == 0 ? 2 : 1;
                    int pad = r.nextInt(3) == 0 ? 0 : r.nextInt(2);
                    int h = Math.max(1, dilation * (kh - 1) + 1 - 2 * pad) + r.nextInt(5);
                    int w = Math.max(1, dilation * (kw - 1) + 1 - 2 * pad) + r.nextInt(5);
                    int n = 1 + r.nextInt(3);
                    ConvGeometry g = new ConvGeometry(c, h, w, kh, kw, stride, stride, pad, pad, dilation, dilation);
                    Shape shape = new Shape(g, groups, o, n, r);
                    Conv2dPlan auto = Conv2dPlan.of(g, groups, o);
                    for (Conv2dPlan plan : ConvProblem.allPlans(auto, auto::applies, auto::forced)) {
                        shape.check(plan);
                    }
                });
    }

    /**
     * Images large enough that the direct weight gradient takes them a few at a time (its
     * per-thread copies are bounded): 7 images of 16 channels, 46 x 47 pixels, in chunks of 3,
     * on one thread (three chunks) and on two (a chunk, and two chunks summed with it); every
     * algorithm that applies. Then an image too large for the kept copies (4 channels of 185 x 186:
     * alone, in an array of the call's own).
     */
    @Test
    void directWeightGradientInSeveralChunksMatchesTheReference() {
        ConvGeometry g = new ConvGeometry(16, 46, 47, 3, 3, 1, 1, 1, 1, 1, 1);
        Shape shape = new Shape(g, 1, 16, 7, new SplittableRandom(5));
        int before = WorkerPool.threads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                WorkerPool.setThreads(threads);
                Conv2dPlan auto = Conv2dPlan.of(g, 1, 16);
                assertThat(auto.weightGradient()).isEqualTo(ConvAlgorithm.DIRECT);
                for (Conv2dPlan plan : ConvProblem.allPlans(auto, auto::applies, auto::forced)) {
                    shape.check(plan);
                }
            }
        } finally {
            WorkerPool.setThreads(before);
        }
        ConvGeometry large = new ConvGeometry(4, 185, 186, 3, 3, 1, 1, 1, 1, 1, 1);
        Conv2dPlan direct = Conv2dPlan.of(large, 1, 4, WorkerPool.threads());
        assertThat(direct.weightGradient()).isEqualTo(ConvAlgorithm.DIRECT);
        new Shape(large, 1, 4, 1, new SplittableRandom(6)).check(direct);
    }

    /**
     * Strided convolutions with output rows of more than one vector (im2col's strided gather runs
     * by whole vectors there, the last overlapping the one before): odd and even widths, strides 2
     * and 3, every algorithm that applies.
     */
    @Test
    void wideStridedConvolutionsMatchTheReference() {
        SplittableRandom r = new SplittableRandom(11);
        for (int[] s : new int[][] {{3, 2, 1, 40}, {3, 2, 1, 45}, {4, 2, 1, 37}, {1, 2, 0, 50}, {3, 3, 0, 52}}) {
            ConvGeometry g = new ConvGeometry(3, 7, s[3], s[0], s[0], s[1], s[1], s[2], s[2], 1, 1);
            Shape shape = new Shape(g, 1, 4, 2, r);
            Conv2dPlan auto = Conv2dPlan.of(g, 1, 4);
            for (Conv2dPlan plan : ConvProblem.allPlans(auto, auto::applies, auto::forced)) {
                shape.check(plan);
            }
        }
    }

    @Test
    void automaticChoiceFollowsTheShape() {
        assertThat(Conv2dPlan.of(geometry(6, 3, 1, 1), 6, 6).forward()).isEqualTo(ConvAlgorithm.DEPTHWISE);
        Conv2dPlan lenet = Conv2dPlan.of(geometry(6, 5, 1, 0), 1, 16);
        assertThat(List.of(lenet.forward(), lenet.inputGradient(), lenet.weightGradient())).containsOnly(ConvAlgorithm.DIRECT);
        Conv2dPlan resnet = Conv2dPlan.of(geometry(64, 3, 1, 1), 1, 64);
        assertThat(resnet.forward()).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(resnet.inputGradient()).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(resnet.weightGradient()).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(Conv2dPlan.of(geometry(64, 1, 1, 0), 1, 64).weightGradient()).isEqualTo(ConvAlgorithm.POINTWISE_GEMM);
        assertThat(Conv2dPlan.of(geometry(64, 3, 2, 1), 1, 64).forward()).isEqualTo(ConvAlgorithm.IM2COL_GEMM);
        assertThat(Conv2dPlan.of(geometry(64, 3, 1, 1), 1, 64, 3).threads()).isEqualTo(3);
    }

    /**
     * The depthwise kernel pads each plane into a per-thread heap array: a plane past the
     * workspace budget (8 Mi floats) goes to im2col, and zero images pad nothing. A plane of 102
     * million rows and zero images ended in an OutOfMemoryError (ConvolutionFuzzTest).
     */
    @Test
    void depthwisePlanesStayWithinTheBudget() {
        ConvGeometry tall = new ConvGeometry(3, 102_109_190, 8, 3, 3, 1, 1, 0, 0, 1, 1);
        Conv2dPlan plan = Conv2dPlan.of(tall, 3, 3);
        assertThat(List.of(plan.forward(), plan.inputGradient(), plan.weightGradient())).doesNotContain(ConvAlgorithm.DEPTHWISE);
        assertThat(Conv2dPlan.of(new ConvGeometry(3, 2_000, 2_000, 3, 3, 1, 1, 1, 1, 1, 1), 3, 3).forward())
                .isEqualTo(ConvAlgorithm.DEPTHWISE);
        ConvGeometry big = new ConvGeometry(3, 2_800, 2_800, 3, 3, 1, 1, 1, 1, 1, 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(4L * 27);
            MemorySegment dw = arena.allocate(4L * 27);
            MemorySegment db = arena.allocate(4L * 3);
            dw.fill((byte) 0x7f);
            db.fill((byte) 0x7f);
            MemorySegment none = arena.allocate(4);
            assertThat(Conv2dPlan.of(big, 3, 3).forward()).isEqualTo(ConvAlgorithm.DEPTHWISE);
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            // a confined arena: the calls run on this thread, whose allocations are counted
            Conv2d.forward(0, 3, big, 3, none, 0, w, 0, null, 0, none, 0, none, 0);
            Conv2d.backward(0, 3, big, 3, none, 0, w, 0, none, 0, none, 0, dw, 0, db, 0, none, 0);
            assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("bytes allocated").isLessThan(1 << 20);
            assertThat(floats(dw)).containsOnly(0f);
            assertThat(floats(db)).containsOnly(0f);
        }
    }

    /**
     * An automatically planned Winograd forward pass over fewer than 256 tiles (49 an image here)
     * runs as planned without Winograd, in the plan's workspace, at its full size and its least; a
     * forced plan runs what it was given, and the gradients keep Winograd.
     */
    @Test
    void fewTilesTakeTheForwardPassPlannedWithoutWinograd() {
        ConvGeometry g = new ConvGeometry(40, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1);
        Conv2dPlan auto = Conv2dPlan.of(g, 1, 36);
        assertThat(auto.forward()).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(auto.forward(1)).isEqualTo(ConvAlgorithm.IMPLICIT_GEMM);
        assertThat(auto.forward(5)).isEqualTo(ConvAlgorithm.IMPLICIT_GEMM);
        assertThat(auto.forward(6)).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(auto.inputGradient()).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(auto.weightGradient()).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(auto.toString()).contains("WINOGRAD (IMPLICIT_GEMM below 256 tiles)");
        Conv2dPlan forced = auto.forced(ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD);
        assertThat(forced.forward(1)).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThat(auto.workspaceFloats()).isGreaterThanOrEqualTo(
                auto.forced(ConvAlgorithm.IMPLICIT_GEMM, ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD).workspaceFloats());
        ConvProblem p = new ConvProblem(g, 1, 36, 2, new SplittableRandom(3));
        for (long floats : new long[] {auto.workspaceFloats(), auto.minimumWorkspaceFloats()}) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment xs = copy(arena, p.x), ws = copy(arena, p.w), ys = arena.allocate(4L * p.y.length);
                MemorySegment work = arena.allocate(4 * floats);
                work.fill((byte) 0x7f);
                Conv2d.forward(auto, 2, xs, 0, ws, 0, null, 0, ys, 0, work, 0);
                Close.assertClose(auto + " y, workspace " + floats, floats(ys), p.y, 1e-4, 1e-4);
            }
        }
    }

    /**
     * A one-thread plan's workspace is the thread's whole slice: for im2col, chunks of as many
     * output rows as fit, not the one row per chunk that is only the least it runs in (a GEMM per
     * output row of 6 columns here).
     */
    @Test
    void oneThreadIm2colPlanIsGivenWholeChunks() {
        Conv2dPlan strided = Conv2dPlan.of(geometry(64, 3, 2, 1), 1, 64, 1);
        assertThat(strided.forward()).isEqualTo(ConvAlgorithm.IM2COL_GEMM);
        long oneRow = 64L * 9 * 6;
        assertThat(strided.minimumWorkspaceFloats()).isEqualTo(oneRow + 64L * 9 * 64);
        assertThat(strided.workspaceFloats()).isEqualTo(6 * oneRow + 64L * 9 * 64);
    }

    @Test
    void algorithmsThatDoNotApplyAreRefusedByName() {
        Conv2dPlan strided = Conv2dPlan.of(geometry(4, 3, 2, 1), 1, 4);
        assertThatThrownBy(() -> strided.forced(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forward: DIRECT does not apply to 4 -> 4 channels, 1 groups, 3x3 kernel, stride 2x2")
                .hasMessageContaining("stride 1");
        Conv2dPlan resnet = Conv2dPlan.of(geometry(64, 3, 1, 1), 1, 64);
        assertThatThrownBy(() -> resnet.forced(ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.POINTWISE_GEMM, ConvAlgorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input gradient: POINTWISE_GEMM does not apply").hasMessageContaining("1 x 1 kernel");
        Conv2dPlan depthwise = Conv2dPlan.of(geometry(6, 3, 1, 1), 6, 6);
        assertThatThrownBy(() -> depthwise.forced(ConvAlgorithm.DEPTHWISE, ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("all three or none");
        assertThatThrownBy(() -> Conv2dPlan.of(geometry(6, 3, 1, 1), 4, 6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groups (4) must divide the input channels (6)");
    }

    /**
     * The workspace sized by a plan made on one thread is accepted after the pool grows, and the
     * result is the same (before plans, a workspace sized before {@code setThreads} could be
     * rejected, or the algorithm switch, afterwards).
     */
    @Test
    void planKeepsItsThreadsWhenThePoolChanges() {
        int before = WorkerPool.threads();
        try {
            for (ConvGeometry g : new ConvGeometry[] {geometry(6, 5, 1, 0), geometry(40, 3, 1, 1), geometry(8, 3, 2, 1)}) {
                WorkerPool.setThreads(1);
                Conv2dPlan plan = Conv2dPlan.of(g, 1, 16);
                Shape shape = new Shape(g, 1, 16, 4, new SplittableRandom(7));
                shape.check(plan);
                WorkerPool.setThreads(2);
                assertThat(Conv2dPlan.of(g, 1, 16).threads()).isEqualTo(2);
                shape.check(plan);
                assertThat(plan.threads()).isEqualTo(1);
                assertThat(plan.withThreads(2).workspaceFloats()).isGreaterThanOrEqualTo(plan.workspaceFloats());
            }
        } finally {
            WorkerPool.setThreads(before);
        }
    }

    /** {@link ConvProblem} through {@link Conv2d} as {@code plan} says. */
    private static final class Shape {
        private final ConvProblem p;

        Shape(ConvGeometry g, int groups, int o, int n, SplittableRandom r) {
            p = new ConvProblem(g, groups, o, n, r);
        }

        /**
         * In a shared arena, and in a confined one, whose segments the pool cannot reach: every
         * parallel path then runs on the calling thread alone (a Winograd weight gradient once
         * summed per-thread slices that no thread had written).
         */
        void check(Conv2dPlan plan) {
            check(plan, Arena.ofShared());
            check(plan, Arena.ofConfined());
        }

        private void check(Conv2dPlan plan, Arena arena) {
            try (arena) {
                MemorySegment xs = copy(arena, p.x), ws = copy(arena, p.w), bs = copy(arena, p.b), gys = copy(arena, p.gy);
                MemorySegment ys = arena.allocate(4L * p.y.length), gxs = arena.allocate(4L * p.gx.length);
                MemorySegment gws = arena.allocate(4L * p.gw.length), gbs = arena.allocate(4L * p.gb.length);
                MemorySegment work = arena.allocate(4 * Math.max(1, plan.workspaceFloats()));
                work.fill((byte) 0x7f);      // NaN-like garbage: no algorithm may read its workspace unwritten
                Conv2d.forward(plan, p.n, xs, 0, ws, 0, bs, 0, ys, 0, work, 0);
                Conv2d.backward(plan, p.n, xs, 0, ws, 0, gys, 0, gxs, 0, gws, 0, gbs, 0, work, 0);
                Close.assertClose(plan + " y", floats(ys), p.yPlusBias(), 1e-4, 1e-5);
                Close.assertClose(plan + " dx", floats(gxs), p.gx, 1e-4, 1e-4);
                Close.assertClose(plan + " dw", floats(gws), p.gw, 1e-4, 1e-4);
                Close.assertClose(plan + " db", floats(gbs), p.gb, 1e-4, 1e-4);
            }
        }
    }
}
