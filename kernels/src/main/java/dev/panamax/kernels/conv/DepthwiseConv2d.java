package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Depthwise convolution (groups = C = O, one kH x kW filter per channel) with stride 1, computed
 * directly: per output row and tap, the valid output columns form one interval, and along it the
 * input is contiguous, so each tap is a vector multiply-add of a shifted input row into the
 * output row (which stays in L1). An im2col + GEMM would run C tiny GEMMs of one row each.
 * Any dilation and padding; {@link Conv2d} routes here when it applies.
 */
final class DepthwiseConv2d {

    private DepthwiseConv2d() {
    }

    static boolean applies(ConvGeometry image, int groups, int outChannels) {
        return groups == image.channels() && outChannels == groups && image.strideH() == 1 && image.strideW() == 1;
    }

    /** {@code y = depthwise(x) + bias} for {@code images} images, all contiguous. */
    static void forward(int images, ConvGeometry g, MemorySegment x, long xOff, MemorySegment w, long wOff,
                        MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        long plane = (long) g.height() * g.width();
        long outPlane = (long) oh * ow;
        int taps = g.kernelH() * g.kernelW();
        for (int n = 0; n < images; n++) {
            for (int c = 0; c < g.channels(); c++) {
                long in = xOff + ((long) n * g.channels() + c) * plane;
                long out = yOff + ((long) n * g.channels() + c) * outPlane;
                float b = bias == null ? 0f : FloatLanes.get(bias, bOff + c);
                FloatLanes.fill(y, out, outPlane, b);
                for (int i = 0; i < oh; i++) {
                    long yRow = out + (long) i * ow;
                    for (int r = 0; r < g.kernelH(); r++) {
                        int row = i - g.padH() + r * g.dilationH();
                        if (row < 0 || row >= g.height()) {
                            continue;
                        }
                        for (int s = 0; s < g.kernelW(); s++) {
                            int shift = s * g.dilationW() - g.padW();
                            int j0 = Math.max(0, -shift);
                            int j1 = Math.min(ow, g.width() - shift);
                            float tap = FloatLanes.get(w, wOff + (long) c * taps + r * g.kernelW() + s);
                            axpy(j1 - j0, tap, x, in + (long) row * g.width() + shift + j0, y, yRow + j0);
                        }
                    }
                }
            }
        }
    }

    /** dx (accumulated: the caller zeroes it), dw (written, or null), db (written, or null). */
    static void backward(int images, ConvGeometry g, MemorySegment x, long xOff, MemorySegment w, long wOff,
                         MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, MemorySegment dw, long dwOff,
                         MemorySegment db, long dbOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        long plane = (long) g.height() * g.width();
        long outPlane = (long) oh * ow;
        int taps = g.kernelH() * g.kernelW();
        double[] tapSums = new double[taps];
        for (int c = 0; c < g.channels(); c++) {
            double biasSum = 0;
            java.util.Arrays.fill(tapSums, 0);
            for (int n = 0; n < images; n++) {
                long in = xOff + ((long) n * g.channels() + c) * plane;
                long din = dxOff + ((long) n * g.channels() + c) * plane;
                long out = dyOff + ((long) n * g.channels() + c) * outPlane;
                if (db != null) {
                    biasSum += Reductions.sum(outPlane, dy, out);
                }
                for (int i = 0; i < oh; i++) {
                    long gRow = out + (long) i * ow;
                    for (int r = 0; r < g.kernelH(); r++) {
                        int row = i - g.padH() + r * g.dilationH();
                        if (row < 0 || row >= g.height()) {
                            continue;
                        }
                        for (int s = 0; s < g.kernelW(); s++) {
                            int shift = s * g.dilationW() - g.padW();
                            int j0 = Math.max(0, -shift);
                            int j1 = Math.min(ow, g.width() - shift);
                            if (j1 <= j0) {
                                continue;
                            }
                            long at = (long) row * g.width() + shift + j0;
                            int k = r * g.kernelW() + s;
                            if (dw != null) {
                                tapSums[k] += Reductions.dot(j1 - j0, dy, gRow + j0, x, in + at);
                            }
                            if (dx != null) {
                                axpy(j1 - j0, FloatLanes.get(w, wOff + (long) c * taps + k), dy, gRow + j0, dx, din + at);
                            }
                        }
                    }
                }
            }
            if (dw != null) {
                for (int k = 0; k < taps; k++) {
                    FloatLanes.set(dw, dwOff + (long) c * taps + k, (float) tapSums[k]);
                }
            }
            if (db != null) {
                FloatLanes.set(db, dbOff + c, (float) biasSum);
            }
        }
    }

    /** {@code y[0, n) += a x[0, n)}. */
    private static void axpy(int n, float a, MemorySegment x, long xAt, MemorySegment y, long yAt) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            FloatLanes.store(FloatLanes.load(x, xAt + j).fma(FloatVector.broadcast(FloatLanes.SPECIES, a),
                    FloatLanes.load(y, yAt + j)), y, yAt + j);
        }
        if (j < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - j);
            FloatLanes.store(FloatLanes.load(x, xAt + j, m).fma(FloatVector.broadcast(FloatLanes.SPECIES, a),
                    FloatLanes.load(y, yAt + j, m)), y, yAt + j, m);
        }
    }
}
