package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Power-average pooling, {@code torch.nn.functional.lp_pool2d}: {@code y = (k / n * sum x^p)^(1/p)}
 * over each window, {@code k = kH kW} and {@code n} the window's positions inside the input
 * (PyTorch computes it as an average pool of {@code x^p}, no padding, times {@code k}, so a window
 * ceil_mode clips is scaled up by {@code k / n}; a whole window gives the p-norm of its values).
 * A power of a negative value with non-integer exponent is NaN, as in PyTorch. Sums run in double.
 */
public final class LpPool2d {

    private LpPool2d() {
    }

    /** {@code y [planes, Hout, Wout]} from {@code x [planes, H, W]}; the geometry has no padding or dilation. */
    public static void forward(long planes, PoolGeometry g, double p, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        check(planes, g, p, x, xOff);
        Checks.floats("y", y, yOff, Checks.elements(planes, g.outPlane()));
        for (long plane = 0; plane < planes; plane++) {
            long in = xOff + plane * g.plane();
            for (int i = 0; i < g.outHeight(); i++) {
                for (int j = 0; j < g.outWidth(); j++) {
                    FloatLanes.set(y, yOff + plane * g.outPlane() + (long) i * g.outWidth() + j,
                            (float) Math.pow(scaledSum(g, p, x, in, i, j), 1 / p));
                }
            }
        }
    }

    /**
     * {@code dx} (written) from {@code dy}: {@code dx = dy (k / n) x^(p-1) s^(1/p - 1)} with s the
     * scaled sum of the window, 0 where s is 0 (PyTorch's sign-and-ReLU there passes no gradient).
     */
    public static void backward(long planes, PoolGeometry g, double p, MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff) {
        check(planes, g, p, x, xOff);
        Checks.floats("dy", dy, dyOff, Checks.elements(planes, g.outPlane()));
        Checks.floats("dx", dx, dxOff, Checks.elements(planes, g.plane()));
        double k = (double) g.kernelH() * g.kernelW();
        for (long plane = 0; plane < planes; plane++) {
            long in = xOff + plane * g.plane();
            long out = dxOff + plane * g.plane();
            for (long e = 0; e < g.plane(); e++) {
                FloatLanes.set(dx, out + e, 0f);
            }
            for (int i = 0; i < g.outHeight(); i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < g.outWidth(); j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    double s = scaledSum(g, p, x, in, i, j);
                    if (s == 0) {
                        continue;
                    }
                    double up = FloatLanes.get(dy, dyOff + plane * g.outPlane() + (long) i * g.outWidth() + j)
                            * Math.pow(s, 1 / p - 1) * k / ((r1 - r0) * (c1 - c0));
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            long at = (long) r * g.width() + c;
                            double v = FloatLanes.get(x, in + at);
                            FloatLanes.set(dx, out + at, (float) (FloatLanes.get(dx, out + at) + up * Math.pow(v, p - 1)));
                        }
                    }
                }
            }
        }
    }

    /** {@code k / n * sum x^p} over window {@code (i, j)}. */
    private static double scaledSum(PoolGeometry g, double p, MemorySegment x, long in, int i, int j) {
        int r0 = g.rowStart(i);
        int r1 = g.rowEnd(i);
        int c0 = g.colStart(j);
        int c1 = g.colEnd(j);
        double sum = 0;
        for (int r = r0; r < r1; r++) {
            for (int c = c0; c < c1; c++) {
                double v = FloatLanes.get(x, in + (long) r * g.width() + c);
                sum += p == 2 ? v * v : Math.pow(v, p);
            }
        }
        return sum * ((double) g.kernelH() * g.kernelW()) / ((r1 - r0) * (c1 - c0));
    }

    private static void check(long planes, PoolGeometry g, double p, MemorySegment x, long xOff) {
        Checks.nonNegative("planes", planes);
        if (!(p > 0) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("lp_pool needs a finite norm_type > 0, got " + p);
        }
        if (g.padH() != 0 || g.padW() != 0 || !g.isUndilated()) {
            throw new IllegalArgumentException("lp_pool has no padding or dilation, got " + g);
        }
        Checks.floats("x", x, xOff, Checks.elements(planes, g.plane()));
    }
}
