package dev.panamax.properties;

import static dev.panamax.properties.ConvProblem.copy;
import static dev.panamax.properties.ConvProblem.floats;
import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.conv.ConvAlgorithm;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.ConvPass;

/**
 * The Winograd F(2 x 2, 3 x 3) path on images wide enough for its vectors: several vectors of
 * tiles per row and a last one cut short, odd and even output sizes (a last tile row or column
 * that overhangs), paddings 0 to 2 (odd and even: the padded copy's column split), groups, images
 * cut into blocks of tile rows (the last one short), blocks run in ranges of tiles that start and
 * end inside rows, threads sharing the blocks, and outputs that end at their segment's end. All three passes against the double-precision convolution.
 */
class WinogradConv2dTest {

    @Test
    void everyPassMatchesTheReference() {
        everyPassMatchesTheReference(30, r -> 1 + r.nextInt(12));
    }

    /**
     * Channel counts in whole vectors (per group), which the weight gradient takes channels last
     * on machines of 8 lanes ({@code WinogradWeightGradient}): x and dy turned in 8 x 8 squares,
     * a row's columns past the last square one at a time.
     */
    @Test
    void channelsInWholeVectorsMatchTheReference() {
        everyPassMatchesTheReference(20, r -> FloatLanes.LANES * (1 + r.nextInt(3)));
    }

    private static void everyPassMatchesTheReference(int examples, ToIntFunction<SplittableRandom> channelsPerGroup) {
        qt().withExamples(examples).forAll(integers().between(1, 70), integers().between(0, 2), integers().between(1, 2), longs().all())
                .checkAssert((width, pad, groups, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int c = groups * channelsPerGroup.applyAsInt(r);
                    int o = groups * channelsPerGroup.applyAsInt(r);
                    int h = Math.max(1, 3 - 2 * pad) + r.nextInt(30);
                    int w = Math.max(3 - 2 * pad, width);
                    int n = 1 + r.nextInt(2);
                    ConvGeometry g = new ConvGeometry(c, h, w, 3, 3, 1, 1, pad, pad, 1, 1);
                    ConvProblem p = new ConvProblem(g, groups, o, n, r);
                    Conv2dPlan plan = Conv2dPlan.of(g, groups, o)
                            .forced(ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD);
                    if (r.nextBoolean()) {
                        // blocks of one to a few tile rows: an image in several blocks, the last cut short,
                        // and (the forward pass and dx) ranges of one or a few panels of 16 tiles
                        plan = plan.withWinogradBlockBytes(64L * (c / groups + o / groups) * (1 + r.nextInt(3 * w)));
                    }
                    runAndCompare(plan, n, p, 1e-5, 1e-4);
                });
    }

    /**
     * Many channels, so that the forward pass and dx run each block in several ranges of tiles
     * (up to 256 tiles with a 2 MiB L2), which start inside rows (23 tiles per row).
     */
    @Test
    void rangesInsideRowsMatchTheReference() {
        ConvGeometry g = new ConvGeometry(128, 45, 46, 3, 3, 1, 1, 1, 1, 1, 1);
        ConvProblem p = new ConvProblem(g, 1, 128, 1, new SplittableRandom(5));
        Conv2dPlan plan = Conv2dPlan.of(g, 1, 128).forced(ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD);
        // sums of 1,152 products (y, dx) and of 2,070 (dw): float rounding near zero outgrows the
        // small problems' absolute 1e-5
        runAndCompare(plan, 1, p, 1e-4, 1e-3);
    }

    /**
     * The plan's forward and backward passes on problem p (the workspace filled with garbage)
     * against its reference, within a relative 1e-4 and the given absolute tolerances.
     */
    private static void runAndCompare(Conv2dPlan plan, int n, ConvProblem p, double absolute, double absoluteDw) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = copy(arena, p.x), ws = copy(arena, p.w), gys = copy(arena, p.gy);
            MemorySegment ys = arena.allocate(4L * p.y.length), gxs = arena.allocate(4L * p.gx.length);
            MemorySegment gws = arena.allocate(4L * p.gw.length);
            MemorySegment work = arena.allocate(4 * plan.workspaceFloats());
            work.fill((byte) 0x7f);
            Conv2d.forward(plan, n, xs, 0, ws, 0, null, 0, ys, 0, work, 0);
            Conv2d.backward(plan, n, xs, 0, ws, 0, gys, 0, gxs, 0, gws, 0, null, 0, work, 0);
            Close.assertClose(plan + " y", floats(ys), p.y, 1e-4, absolute);
            Close.assertClose(plan + " dx", floats(gxs), p.gx, 1e-4, absolute);
            Close.assertClose(plan + " dw", floats(gws), p.gw, 1e-4, absoluteDw);
        }
    }

    @Test
    void itIsRefusedWhereItDoesNotApply() {
        Conv2dPlan padded = Conv2dPlan.of(new ConvGeometry(8, 12, 12, 3, 3, 1, 1, 3, 3, 1, 1), 1, 8);
        assertThat(padded.applies(ConvAlgorithm.WINOGRAD, ConvPass.FORWARD)).isTrue();
        assertThat(padded.applies(ConvAlgorithm.WINOGRAD, ConvPass.WEIGHT_GRADIENT)).isTrue();
        assertThatThrownBy(() -> padded.forced(ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("padding of at most 2");
        for (ConvGeometry g : new ConvGeometry[] {new ConvGeometry(8, 12, 12, 3, 3, 2, 2, 1, 1, 1, 1),
                new ConvGeometry(8, 12, 12, 3, 3, 1, 1, 2, 2, 2, 2), new ConvGeometry(8, 12, 12, 5, 5, 1, 1, 2, 2, 1, 1)}) {
            assertThat(Conv2dPlan.of(g, 1, 8).applies(ConvAlgorithm.WINOGRAD, ConvPass.FORWARD)).as(g.toString()).isFalse();
        }
    }
}
