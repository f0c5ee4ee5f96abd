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
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.conv.ConvAlgorithm;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.ConvTranspose2d;
import dev.panamax.kernels.conv.ConvTranspose2dPlan;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Transposed-convolution plans: every algorithm that applies to a shape, forced one by one for
 * the forward pass and each gradient, against the double-precision convolution problem read
 * backwards ({@link ConvProblem}); the automatic choice; refusals by name; the least workspace;
 * a plan's workspace still accepted after the pool's thread count changed.
 */
class ConvTranspose2dPlanTest {

    @Test
    void everyAlgorithmThatAppliesMatchesTheReference() {
        qt().withExamples(30).forAll(integers().between(0, 3), integers().between(1, 4), integers().between(1, 3), longs().all())
                .checkAssert((kind, kh, kw, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    // kind 0: depthwise; 1: groups of 2; 2: one group, few channels; 3: one group, many (> 32)
                    int groups = kind == 0 ? 2 + r.nextInt(3) : kind == 1 ? 2 : 1;
                    int cout = kind == 0 ? groups : kind == 1 ? 2 * (1 + r.nextInt(3)) : kind == 2 ? 1 + r.nextInt(5) : 33 + r.nextInt(4);
                    int cin = kind == 0 ? groups : kind == 1 ? 2 * (1 + r.nextInt(3)) : 1 + r.nextInt(kind == 3 ? 40 : 6);
                    int stride = kind == 0 ? 1 : 1 + r.nextInt(3);
                    int dilation = r.nextInt(4) == 0 ? 2 : 1;
                    int pad = r.nextInt(3) == 0 ? 0 : r.nextInt(2);
                    int h = Math.max(1, dilation * (kh - 1) + 1 - 2 * pad) + r.nextInt(6);
                    int w = Math.max(1, dilation * (kw - 1) + 1 - 2 * pad) + r.nextInt(6);
                    int n = 1 + r.nextInt(3);
                    ConvGeometry output = new ConvGeometry(cout, h, w, kh, kw, stride, stride, pad, pad, dilation, dilation);
                    Problem problem = new Problem(output, groups, cin, n, r);
                    ConvTranspose2dPlan auto = ConvTranspose2dPlan.of(output, groups, cin);
                    problem.check(auto, auto.minimumWorkspaceFloats());
                    for (ConvTranspose2dPlan plan : ConvProblem.allPlans(auto, auto::applies, auto::forced)) {
                        problem.check(plan, plan.workspaceFloats());
                    }
                });
    }

    /**
     * Strided upsamplings with rows wide enough for the sub-pixel scatter's vectors (a stride-2
     * phase row of more than one vector, odd and even widths, both column phases, a stride in one
     * dimension only), bias included. Each row: kernel, row stride, column stride, padding, width.
     */
    @Test
    void wideUpsamplingsMatchTheReference() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] s : new int[][] {{4, 2, 2, 1, 40}, {4, 2, 2, 1, 45}, {3, 2, 2, 1, 37}, {3, 3, 3, 0, 50}, {4, 2, 1, 1, 40},
                {4, 1, 2, 1, 41}}) {
            ConvGeometry output = new ConvGeometry(3, 9, s[4], s[0], s[0], s[1], s[2], s[3], s[3], 1, 1);
            ConvTranspose2dPlan plan = ConvTranspose2dPlan.of(output, 1, 4);
            assertThat(plan.forward()).isEqualTo(ConvAlgorithm.SUB_PIXEL);
            Problem problem = new Problem(output, 1, 4, 2, r);
            problem.check(plan, plan.workspaceFloats());
            problem.check(plan, plan.minimumWorkspaceFloats());
        }
    }

    @Test
    void automaticChoiceFollowsTheShape() {
        ConvTranspose2dPlan upconv = ConvTranspose2dPlan.of(geometry(32, 4, 2, 1), 1, 64);
        assertThat(upconv.forward()).isEqualTo(ConvAlgorithm.SUB_PIXEL);
        assertThat(upconv.inputGradient()).isEqualTo(ConvAlgorithm.IM2COL_GEMM);
        assertThat(upconv.weightGradient()).isEqualTo(ConvAlgorithm.IM2COL_GEMM);
        ConvTranspose2dPlan same = ConvTranspose2dPlan.of(geometry(64, 3, 1, 1), 1, 64);
        assertThat(List.of(same.forward(), same.inputGradient())).containsOnly(ConvAlgorithm.WINOGRAD);
        assertThat(same.adjoint().outChannels()).isEqualTo(64);
        assertThat(ConvTranspose2dPlan.of(geometry(6, 3, 1, 1), 6, 6).forward()).isEqualTo(ConvAlgorithm.DEPTHWISE);
        assertThat(ConvTranspose2dPlan.of(geometry(16, 5, 1, 2), 1, 6).forward()).isEqualTo(ConvAlgorithm.DIRECT);
        assertThat(ConvTranspose2dPlan.of(geometry(32, 4, 2, 1), 1, 64, 3).threads()).isEqualTo(3);
        assertThat(upconv.toString()).contains("64 -> 32 channels").contains("forward SUB_PIXEL");
    }

    @Test
    void algorithmsThatDoNotApplyAreRefusedByName() {
        ConvTranspose2dPlan same = ConvTranspose2dPlan.of(geometry(8, 3, 1, 1), 1, 8);
        assertThatThrownBy(() -> same.forced(ConvAlgorithm.SUB_PIXEL, ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forward: SUB_PIXEL does not apply to a transposed convolution 8 -> 8 channels")
                .hasMessageContaining("stride above 1");
        ConvTranspose2dPlan upconv = ConvTranspose2dPlan.of(geometry(8, 4, 2, 1), 1, 8);
        assertThatThrownBy(() -> upconv.forced(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL_GEMM, ConvAlgorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forward: DIRECT does not apply to a transposed convolution 8 -> 8 channels, 1 groups, "
                        + "4x4 kernel, stride 2x2");
        assertThatThrownBy(() -> upconv.forced(ConvAlgorithm.SUB_PIXEL, ConvAlgorithm.SUB_PIXEL, ConvAlgorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input gradient: SUB_PIXEL does not apply").hasMessageContaining("forward pass");
        assertThatThrownBy(() -> ConvTranspose2dPlan.of(geometry(6, 3, 1, 1), 4, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groups (4) must divide the output channels (6)");
        assertThatThrownBy(() -> ConvTranspose2dPlan.of(geometry(8, 3, 1, 1), 4, 6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groups (4) must divide the input channels (6)");
    }

    @Test
    void planKeepsItsThreadsWhenThePoolChanges() {
        int before = WorkerPool.threads();
        try {
            for (ConvGeometry g : new ConvGeometry[] {geometry(8, 4, 2, 1), geometry(40, 3, 1, 1)}) {
                WorkerPool.setThreads(1);
                ConvTranspose2dPlan plan = ConvTranspose2dPlan.of(g, 1, 16);
                Problem problem = new Problem(g, 1, 16, 4, new SplittableRandom(11));
                problem.check(plan, plan.workspaceFloats());
                WorkerPool.setThreads(2);
                assertThat(ConvTranspose2dPlan.of(g, 1, 16).threads()).isEqualTo(2);
                problem.check(plan, plan.workspaceFloats());
                assertThat(plan.threads()).isEqualTo(1);
                assertThat(plan.withThreads(2).workspaceFloats()).isGreaterThanOrEqualTo(plan.workspaceFloats());
            }
        } finally {
            WorkerPool.setThreads(before);
        }
    }

    /**
     * The transposed convolution with output geometry {@code output} and {@code cin} input
     * channels: the convolution problem of that geometry with {@code cin} output channels, read
     * backwards, and a bias of its own.
     */
    private static final class Problem {
        final ConvProblem p;
        final float[] bias;
        final double[] y, db;

        Problem(ConvGeometry output, int groups, int cin, int n, SplittableRandom r) {
            p = new ConvProblem(output, groups, cin, n, r);
            int cout = output.channels();
            int plane = output.height() * output.width();
            bias = Arrays2.uniform(r, cout, -1, 1);
            y = p.gx.clone();
            db = new double[cout];
            for (int i = 0; i < y.length; i++) {
                y[i] += bias[(i / plane) % cout];
                db[(i / plane) % cout] += p.x[i];
            }
        }

        /**
         * Forward and backward of {@code plan} in a workspace of {@code workFloats}, against the
         * reference: in a shared arena, and in a confined one, whose segments the pool cannot
         * reach (every parallel path then runs on the calling thread alone).
         */
        void check(ConvTranspose2dPlan plan, long workFloats) {
            check(plan, workFloats, Arena.ofShared());
            check(plan, workFloats, Arena.ofConfined());
        }

        private void check(ConvTranspose2dPlan plan, long workFloats, Arena arena) {
            try (arena) {
                // the problem read backwards: x of the transposed convolution is the problem's gy, its dy the problem's x
                MemorySegment xs = copy(arena, p.gy), ws = copy(arena, p.w), bs = copy(arena, bias), dys = copy(arena, p.x);
                MemorySegment ys = arena.allocate(4L * Math.max(1, y.length)), dxs = arena.allocate(4L * Math.max(1, p.gy.length));
                MemorySegment dws = arena.allocate(4L * p.w.length), dbs = arena.allocate(4L * db.length);
                MemorySegment work = arena.allocate(4 * Math.max(1, workFloats));
                work.fill((byte) 0x7f);      // NaN-like garbage: no algorithm may read its workspace unwritten
                ys.fill((byte) 0x7f);
                dxs.fill((byte) 0x7f);
                ConvTranspose2d.forward(plan, p.n, xs, 0, ws, 0, bs, 0, ys, 0, work, 0);
                ConvTranspose2d.backward(plan, p.n, xs, 0, ws, 0, dys, 0, dxs, 0, dws, 0, dbs, 0, work, 0);
                String what = plan + " in " + workFloats + " floats";
                Close.assertClose(what + " y", floats(ys), y, 1e-4, 1e-4);
                Close.assertClose(what + " dx", floats(dxs), p.y, 1e-4, 1e-4);
                Close.assertClose(what + " dw", floats(dws), p.gw, 1e-4, 1e-4);
                Close.assertClose(what + " db", floats(dbs), db, 1e-4, 1e-4);
            }
        }
    }
}
