package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Average pooling ({@code torch.nn.functional.avg_pool2d}): the window's sum over the
 * zero-padded input, divided by {@code kH kW} ({@code countIncludePad}) or by the number of
 * window positions inside the unpadded input.
 */
public final class AvgPool2d {

    private AvgPool2d() {
    }

    public static void forward(boolean countIncludePad, long planes, PoolGeometry g, MemorySegment x, long xOff,
                               MemorySegment y, long yOff) {
        Checks.floats("x", x, xOff, planes * g.plane());
        Checks.floats("y", y, yOff, planes * g.outPlane());
        int oh = g.outHeight();
        int ow = g.outWidth();
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * g.plane();
            for (int i = 0; i < oh; i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < ow; j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    float sum = 0f;
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            sum += FloatLanes.get(x, in + (long) r * g.width() + c);
                        }
                    }
                    FloatLanes.set(y, yOff + p * g.outPlane() + (long) i * ow + j, sum / divisor(countIncludePad, g, r0, r1, c0, c1));
                }
            }
        }
    }

    /** {@code dx} (written): each output's gradient spread evenly over its window's input elements. */
    public static void backward(boolean countIncludePad, long planes, PoolGeometry g, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff) {
        Checks.floats("dy", dy, dyOff, planes * g.outPlane());
        Checks.floats("dx", dx, dxOff, planes * g.plane());
        FloatLanes.fill(dx, dxOff, planes * g.plane(), 0f);
        int oh = g.outHeight();
        int ow = g.outWidth();
        for (long p = 0; p < planes; p++) {
            long base = dxOff + p * g.plane();
            for (int i = 0; i < oh; i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < ow; j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    float share = FloatLanes.get(dy, dyOff + p * g.outPlane() + (long) i * ow + j)
                            / divisor(countIncludePad, g, r0, r1, c0, c1);
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            long at = base + (long) r * g.width() + c;
                            FloatLanes.set(dx, at, FloatLanes.get(dx, at) + share);
                        }
                    }
                }
            }
        }
    }

    private static float divisor(boolean countIncludePad, PoolGeometry g, int r0, int r1, int c0, int c1) {
        return countIncludePad ? g.kernelH() * g.kernelW() : (r1 - r0) * (c1 - c0);
    }
}
