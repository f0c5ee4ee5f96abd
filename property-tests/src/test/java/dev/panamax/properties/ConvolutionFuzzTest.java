package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.dense;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.ConvGeometry;

/**
 * {@link Conv2d} forward and backward under fuzzed geometry (kernel, stride, padding, dilation,
 * groups, depthwise and 1 x 1 cases), offsets, segment and workspace sizes. A call refuses with an
 * {@link IllegalArgumentException} before writing, or is right: the forward against the direct
 * double convolution; the backward through the adjoint identities of a convolution, linear in x
 * and in w: {@code <dx, x> = <dy, y - b> = <dw, w>} and {@code db = sum of dy} per channel.
 */
class ConvolutionFuzzTest {

    @FuzzTest
    void conv2d(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            boolean backward = f.bool();
            int images = f.dim(3);
            int groups = f.positive(3);
            int channels = f.dim(4) * (f.bool() ? groups : 1);
            int out = f.positive(4) * (f.bool() ? groups : 1);
            ConvGeometry g;
            try {
                g = new ConvGeometry(channels, f.positive(9), f.positive(9), f.positive(4), f.positive(4), f.positive(3),
                        f.positive(3), f.dim(2), f.dim(2), f.positive(2), f.positive(2));
            } catch (IllegalArgumentException refused) {
                return;
            }
            long work;
            try {
                work = Conv2d.minimumWorkspaceFloats(g, groups, out);
            } catch (IllegalArgumentException refused) {
                work = f.dim(64);
            }
            int cg = groups > 0 ? channels / groups : 0;
            long plane = (long) g.outHeight() * g.outWidth();
            long xOff = f.offset();
            long wOff = f.offset();
            long bOff = f.offset();
            long yOff = f.offset();
            long workOff = f.offset();
            MemorySegment x = f.floats(footprint(xOff, (long) images * g.imageSize(), 1));
            MemorySegment w = f.floats(footprint(wOff, (long) out * cg * g.kernelH() * g.kernelW(), 1));
            MemorySegment b = f.bool() ? null : f.floats(footprint(bOff, out, 1));
            MemorySegment y = f.floats(footprint(yOff, (long) images * out * plane, 1));
            MemorySegment ws = f.floats(footprint(workOff, work, 1));
            if (!backward) {
                if (FuzzArgs.accepted(() -> Conv2d.forward(images, groups, g, out, x, xOff, w, wOff, b, bOff, y, yOff, ws, workOff),
                        y)) {
                    double[] want = reference(images, groups, g, out, x, xOff, w, wOff, b, bOff);
                    for (int i = 0; i < want.length; i++) {
                        FuzzArgs.close("y[" + i + "] of " + g + " groups " + groups + " out " + out, at(y, yOff + i), want[i],
                                (long) cg * g.kernelH() * g.kernelW());
                    }
                }
                return;
            }
            long dxOff = f.offset();
            long dwOff = f.offset();
            long dbOff = f.offset();
            MemorySegment dx = f.bool() ? null : f.floats(footprint(dxOff, (long) images * g.imageSize(), 1));
            MemorySegment dw = f.bool() ? null : f.floats(footprint(dwOff, (long) out * cg * g.kernelH() * g.kernelW(), 1));
            MemorySegment db = f.bool() ? null : f.floats(footprint(dbOff, out, 1));
            MemorySegment dy = y;
            if (FuzzArgs.accepted(() -> Conv2d.backward(images, groups, g, out, x, xOff, w, wOff, dy, yOff, dx, dxOff, dw, dwOff,
                    db, dbOff, ws, workOff), dx, dw, db)) {
                double[] gy = dense(dy, yOff, (long) images * out * plane);
                if (dx != null || dw != null) {
                    adjointIdentities(arena, images, groups, g, out, x, xOff, w, wOff, gy, dx, dxOff, dw, dwOff);
                }
                if (db != null) {
                    for (int o = 0; o < out; o++) {
                        double sum = 0;
                        for (int n = 0; n < images; n++) {
                            for (long p = 0; p < plane; p++) {
                                sum += gy[(int) ((n * (long) out + o) * plane + p)];
                            }
                        }
                        FuzzArgs.close("db[" + o + "]", at(db, dbOff + o), sum, images * plane);
                    }
                }
            }
        }
    }

    /**
     * {@code <dx, v> = <dy, conv(v, w)>} and {@code <dw, w> = <dy, conv(x, w)>}. x may be null
     * without dw (the backward reads it only for dw); the first identity holds for any v, so uniform
     * values of the test's own stand in for it there (dx is there, so the images fit in memory).
     */
    private static void adjointIdentities(Arena arena, int images, int groups, ConvGeometry g, int out, MemorySegment x,
                                          long xOff, MemorySegment w, long wOff, double[] gy, MemorySegment dx, long dxOff,
                                          MemorySegment dw, long dwOff) {
        long taps = (long) g.channels() / groups * g.kernelH() * g.kernelW();
        MemorySegment v = x != null ? x : ConvProblem.copy(arena,
                Arrays2.uniform(new SplittableRandom(7), Math.toIntExact((long) images * g.imageSize()), -1, 1));
        long vOff = x != null ? xOff : 0;
        double[] linear = reference(images, groups, g, out, v, vOff, w, wOff, null, 0);
        double dyY = 0;
        double scale = 0;
        for (int i = 0; i < linear.length; i++) {
            dyY += gy[i] * linear[i];
            scale += Math.abs(gy[i]) * taps;
        }
        if (dx != null) {
            FuzzArgs.close("<dx, x> of " + g, (float) dot(dense(dx, dxOff, (long) images * g.imageSize()),
                    dense(v, vOff, (long) images * g.imageSize())), dyY, scale);
        }
        if (dw != null) {
            long wn = (long) out * taps;
            FuzzArgs.close("<dw, w> of " + g, (float) dot(dense(dw, dwOff, wn), dense(w, wOff, wn)), dyY, scale);
        }
    }

    private static double[] reference(int images, int groups, ConvGeometry g, int out, MemorySegment x, long xOff,
                                      MemorySegment w, long wOff, MemorySegment b, long bOff) {
        int cg = g.channels() / groups;
        return ConvPropertiesTest.conv2d(dense(x, xOff, (long) images * g.imageSize()),
                dense(w, wOff, (long) out * cg * g.kernelH() * g.kernelW()), b == null ? null : dense(b, bOff, out), images,
                g.channels(), g.height(), g.width(), out, g.kernelH(), g.kernelW(), new int[] {g.strideH(), g.strideW()},
                new int[] {g.padH(), g.padW()}, new int[] {g.dilationH(), g.dilationW()}, groups, g.outHeight(), g.outWidth());
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
