package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.conv.Conv2dPlan.Algorithm;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Convolution plans: every algorithm that applies to a shape, forced one by one for the forward
 * pass and each gradient, against a double-precision convolution and its exact gradients; the
 * automatic choice; algorithms refused where they do not apply; a plan's workspace still accepted
 * after the pool's thread count changed.
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
                    for (Conv2dPlan plan : allPlans(auto)) {
                        shape.check(plan);
                    }
                });
    }

    @Test
    void automaticChoiceFollowsTheShape() {
        assertThat(Conv2dPlan.of(geometry(6, 3, 1, 1), 6, 6).forward()).isEqualTo(Algorithm.DEPTHWISE);
        Conv2dPlan lenet = Conv2dPlan.of(geometry(6, 5, 1, 0), 1, 16);
        assertThat(List.of(lenet.forward(), lenet.inputGradient(), lenet.weightGradient())).containsOnly(Algorithm.DIRECT);
        Conv2dPlan resnet = Conv2dPlan.of(geometry(64, 3, 1, 1), 1, 64);
        assertThat(resnet.forward()).isEqualTo(Algorithm.IMPLICIT_GEMM);
        assertThat(resnet.inputGradient()).isEqualTo(Algorithm.IMPLICIT_GEMM);
        assertThat(resnet.weightGradient()).isEqualTo(Algorithm.IM2COL_GEMM);
        assertThat(Conv2dPlan.of(geometry(64, 1, 1, 0), 1, 64).weightGradient()).isEqualTo(Algorithm.POINTWISE_GEMM);
        assertThat(Conv2dPlan.of(geometry(64, 3, 2, 1), 1, 64).forward()).isEqualTo(Algorithm.IM2COL_GEMM);
        assertThat(Conv2dPlan.of(geometry(64, 3, 1, 1), 1, 64, 3).threads()).isEqualTo(3);
    }

    @Test
    void algorithmsThatDoNotApplyAreRefusedByName() {
        Conv2dPlan strided = Conv2dPlan.of(geometry(4, 3, 2, 1), 1, 4);
        assertThatThrownBy(() -> strided.forced(Algorithm.DIRECT, Algorithm.IM2COL_GEMM, Algorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forward: DIRECT does not apply to 4 -> 4 channels, 1 groups, 3x3 kernel, stride 2x2")
                .hasMessageContaining("stride 1");
        Conv2dPlan resnet = Conv2dPlan.of(geometry(64, 3, 1, 1), 1, 64);
        assertThatThrownBy(() -> resnet.forced(Algorithm.IM2COL_GEMM, Algorithm.POINTWISE_GEMM, Algorithm.IM2COL_GEMM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input gradient: POINTWISE_GEMM does not apply").hasMessageContaining("1 x 1 kernel");
        assertThatThrownBy(() -> resnet.forced(Algorithm.IMPLICIT_GEMM, Algorithm.IMPLICIT_GEMM, Algorithm.IMPLICIT_GEMM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight gradient: IMPLICIT_GEMM");
        Conv2dPlan depthwise = Conv2dPlan.of(geometry(6, 3, 1, 1), 6, 6);
        assertThatThrownBy(() -> depthwise.forced(Algorithm.DEPTHWISE, Algorithm.IM2COL_GEMM, Algorithm.IM2COL_GEMM))
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

    private static ConvGeometry geometry(int channels, int kernel, int stride, int pad) {
        return new ConvGeometry(channels, 12, 12, kernel, kernel, stride, stride, pad, pad, 1, 1);
    }

    /** The automatic plan and every forced combination that applies. */
    private static List<Conv2dPlan> allPlans(Conv2dPlan auto) {
        List<Conv2dPlan> plans = new ArrayList<>();
        plans.add(auto);
        for (Algorithm f : Algorithm.values()) {
            for (Algorithm dx : Algorithm.values()) {
                for (Algorithm dw : Algorithm.values()) {
                    boolean depthwise = f == Algorithm.DEPTHWISE;
                    if (auto.applies(f) && auto.applies(dx) && auto.applies(dw) && dw != Algorithm.IMPLICIT_GEMM
                            && depthwise == (dx == Algorithm.DEPTHWISE) && depthwise == (dw == Algorithm.DEPTHWISE)) {
                        plans.add(auto.forced(f, dx, dw));
                    }
                }
            }
        }
        return plans;
    }

    /** One problem: inputs, and the double-precision output and gradients to compare with. */
    private static final class Shape {
        final ConvGeometry g;
        final int groups, o, n, oh, ow;
        final float[] x, w, b, gy;
        final double[] y, gx, gw, gb;

        Shape(ConvGeometry g, int groups, int o, int n, SplittableRandom r) {
            this.g = g;
            this.groups = groups;
            this.o = o;
            this.n = n;
            this.oh = g.outHeight();
            this.ow = g.outWidth();
            int c = g.channels(), cg = c / groups, og = o / groups;
            x = Arrays2.uniform(r, n * c * g.height() * g.width(), -1, 1);
            w = Arrays2.uniform(r, o * cg * g.kernelH() * g.kernelW(), -1, 1);
            b = Arrays2.uniform(r, o, -1, 1);
            gy = Arrays2.uniform(r, n * o * oh * ow, -1, 1);
            y = new double[gy.length];
            gx = new double[x.length];
            gw = new double[w.length];
            gb = new double[o];
            for (int in = 0; in < n; in++) {
                for (int oc = 0; oc < o; oc++) {
                    int q = oc / og;
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            int yi = ((in * o + oc) * oh + i) * ow + j;
                            double sum = b[oc];
                            gb[oc] += gy[yi];
                            for (int ci = 0; ci < cg; ci++) {
                                for (int kr = 0; kr < g.kernelH(); kr++) {
                                    int yy = i * g.strideH() - g.padH() + kr * g.dilationH();
                                    for (int kc = 0; yy >= 0 && yy < g.height() && kc < g.kernelW(); kc++) {
                                        int xx = j * g.strideW() - g.padW() + kc * g.dilationW();
                                        if (xx < 0 || xx >= g.width()) {
                                            continue;
                                        }
                                        int xi = ((in * c + q * cg + ci) * g.height() + yy) * g.width() + xx;
                                        int wi = ((oc * cg + ci) * g.kernelH() + kr) * g.kernelW() + kc;
                                        sum += (double) x[xi] * w[wi];
                                        gx[xi] += (double) gy[yi] * w[wi];
                                        gw[wi] += (double) gy[yi] * x[xi];
                                    }
                                }
                            }
                            y[yi] = sum;
                        }
                    }
                }
            }
        }

        void check(Conv2dPlan plan) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment xs = copy(arena, x), ws = copy(arena, w), bs = copy(arena, b), gys = copy(arena, gy);
                MemorySegment ys = arena.allocate(4L * y.length), gxs = arena.allocate(4L * gx.length);
                MemorySegment gws = arena.allocate(4L * gw.length), gbs = arena.allocate(4L * gb.length);
                MemorySegment work = arena.allocate(4 * Math.max(1, plan.workspaceFloats()));
                work.fill((byte) 0x7f);      // NaN-like garbage: no algorithm may read its workspace unwritten
                Conv2d.forward(plan, n, xs, 0, ws, 0, bs, 0, ys, 0, work, 0);
                Conv2d.backward(plan, n, xs, 0, ws, 0, gys, 0, gxs, 0, gws, 0, gbs, 0, work, 0);
                Close.assertClose(plan + " y", floats(ys), y, 1e-4, 1e-5);
                Close.assertClose(plan + " dx", floats(gxs), gx, 1e-4, 1e-4);
                Close.assertClose(plan + " dw", floats(gws), gw, 1e-4, 1e-4);
                Close.assertClose(plan + " db", floats(gbs), gb, 1e-4, 1e-4);
            }
        }
    }

    private static MemorySegment copy(Arena arena, float[] a) {
        MemorySegment s = arena.allocate(4L * Math.max(1, a.length));
        MemorySegment.copy(a, 0, s, ValueLayout.JAVA_FLOAT, 0, a.length);
        return s;
    }

    private static float[] floats(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT);
    }
}
