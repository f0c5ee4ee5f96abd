package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.dense;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.pool.AvgPool2d;
import dev.panamax.kernels.pool.MaxPool2d;
import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.kernels.upsample.Upsample2d;

/**
 * Max, min and average pooling forward and backward under fuzzed windows, strides, padding,
 * plane counts, offsets and segment sizes, and, for the max-pool backward, argmax indices that
 * did not come from a forward pass. Refusal is an {@link IllegalArgumentException} before any
 * write; otherwise the forward equals the double reference and the backward satisfies
 * {@code <dx, x> = <dy, y>} (pooling is linear given the winners).
 */
class PoolingFuzzTest {

    /**
     * Max unpooling under fuzzed plane counts and sizes, offsets, short segments and indices
     * (negative, past the output plane): refused before any write; an accepted forward puts every
     * value at its index (the last one where indices repeat) and zero elsewhere, and an accepted
     * backward gathers the gradient at the indices.
     */
    @FuzzTest
    void maxUnpool2d(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            boolean backward = f.bool();
            long planes = f.dim(4);
            long in = f.dim(9);
            long out = f.dim(20);
            long xOff = f.offset();
            long iOff = f.offset();
            long yOff = f.offset();
            MemorySegment indices = f.longs(footprint(iOff, planes * in, 1), f.bool() ? 0 : -2, Math.max(0, out - 1) + (f.bool() ? 0 : 2));
            MemorySegment small = f.floats(footprint(xOff, planes * in, 1));
            MemorySegment large = f.floats(footprint(yOff, planes * out, 1));
            String what = "max_unpool2d planes " + planes + " in " + in + " out " + out;
            if (!backward) {
                if (FuzzArgs.accepted(() -> dev.panamax.kernels.pool.MaxUnpool2d.forward(planes, in, out, small, xOff, indices, iOff,
                        large, yOff), large)) {
                    double[] want = new double[(int) (planes * out)];
                    for (long p = 0; p < planes; p++) {
                        for (long i = 0; i < in; i++) {
                            long at = indices.getAtIndex(ValueLayout.JAVA_LONG, iOff + p * in + i);
                            if (at < 0 || at >= out) {
                                throw new AssertionError(what + ": accepted index " + at);
                            }
                            want[(int) (p * out + at)] = at(small, xOff + p * in + i);
                        }
                    }
                    for (int e = 0; e < want.length; e++) {
                        FuzzArgs.close(what + " y[" + e + "]", at(large, yOff + e), want[e], 0);
                    }
                }
                return;
            }
            if (FuzzArgs.accepted(() -> dev.panamax.kernels.pool.MaxUnpool2d.backward(planes, in, out, large, yOff, indices, iOff,
                    small, xOff), small)) {
                for (long p = 0; p < planes; p++) {
                    for (long i = 0; i < in; i++) {
                        long at = indices.getAtIndex(ValueLayout.JAVA_LONG, iOff + p * in + i);
                        FuzzArgs.close(what + " gx", at(small, xOff + p * in + i), at(large, yOff + p * out + at), 0);
                    }
                }
            }
        }
    }

    /**
     * Resampling (nearest, bilinear, bicubic; forward and backward) with any sizes, offsets and
     * scales, NaN, infinite and negative ones included: never a read or write outside the
     * segments. With the scales PyTorch would use, nearest copies an input of the plane, bilinear
     * stays within the plane's range, bicubic within 1.9 times its largest magnitude (Keys'
     * weights sum to 1 with lobes below 0, at most 1.375 in absolute sum per dimension); every
     * backward hands on the whole gradient (each output's weights sum to 1).
     */
    @FuzzTest
    void resample(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int mode = f.pick(0, 1, 2);
            boolean backward = f.bool();
            boolean align = mode > 0 && f.bool();
            long planes = f.dim(3);
            int h = f.dim(7);
            int w = f.dim(7);
            int oh = f.dim(15);
            int ow = f.dim(15);
            boolean ordinary = f.bool();
            double scaleH = ordinary ? Upsample2d.scale(h, oh, 0) : f.pick(0, 1) == 0 ? f.scalar() * 4 : 1 / (double) f.scalar();
            double scaleW = ordinary ? Upsample2d.scale(w, ow, 0) : f.pick(0, 1) == 0 ? f.scalar() * 4 : 1 / (double) f.scalar();
            long xOff = f.offset();
            long yOff = f.offset();
            MemorySegment x = f.floats(footprint(xOff, planes * h * w, 1));
            MemorySegment y = f.floats(footprint(yOff, planes * oh * ow, 1));
            String what = new String[] {"nearest", "bilinear", "bicubic"}[mode] + " planes " + planes + " " + h + "x" + w
                    + " -> " + oh + "x" + ow + " scales " + scaleH + ", " + scaleW + " align " + align;
            Runnable call = switch (mode + (backward ? 3 : 0)) {
                case 0 -> () -> Upsample2d.nearestForward(planes, h, w, oh, ow, scaleH, scaleW, x, xOff, y, yOff);
                case 1 -> () -> Upsample2d.bilinearForward(planes, h, w, oh, ow, scaleH, scaleW, align, x, xOff, y, yOff);
                case 2 -> () -> Upsample2d.bicubicForward(planes, h, w, oh, ow, scaleH, scaleW, align, x, xOff, y, yOff);
                case 3 -> () -> Upsample2d.nearestBackward(planes, h, w, oh, ow, scaleH, scaleW, y, yOff, x, xOff);
                case 4 -> () -> Upsample2d.bilinearBackward(planes, h, w, oh, ow, scaleH, scaleW, align, y, yOff, x, xOff);
                default -> () -> Upsample2d.bicubicBackward(planes, h, w, oh, ow, scaleH, scaleW, align, y, yOff, x, xOff);
            };
            if (!FuzzArgs.accepted(call, backward ? x : y) || !ordinary) {
                return;
            }
            long plane = (long) h * w;
            long outPlane = (long) oh * ow;
            for (long p = 0; p < planes; p++) {
                if (backward) {
                    double handedOn = 0;
                    double magnitude = 0;
                    for (long e = 0; e < plane; e++) {
                        handedOn += at(x, xOff + p * plane + e);
                        magnitude += Math.abs(at(x, xOff + p * plane + e));
                    }
                    double received = 0;
                    for (long e = 0; e < outPlane; e++) {
                        received += at(y, yOff + p * outPlane + e);
                    }
                    FuzzArgs.close(what + " gradient sum of plane " + p, (float) handedOn, received, magnitude + outPlane);
                    continue;
                }
                double lo = Double.MAX_VALUE;
                double hi = -Double.MAX_VALUE;
                for (long e = 0; e < plane; e++) {
                    lo = Math.min(lo, at(x, xOff + p * plane + e));
                    hi = Math.max(hi, at(x, xOff + p * plane + e));
                }
                double bound = 1.9 * Math.max(Math.abs(lo), Math.abs(hi));
                for (long e = 0; e < outPlane; e++) {
                    float v = at(y, yOff + p * outPlane + e);
                    boolean ok = switch (mode) {
                        case 0 -> contains(x, xOff + p * plane, plane, v);
                        case 1 -> v >= lo - 1e-6 && v <= hi + 1e-6;
                        default -> Math.abs(v) <= bound + 1e-6;
                    };
                    if (!ok) {
                        throw new AssertionError(what + ": y[" + p + ", " + e + "] = " + v + " outside what the plane allows ["
                                + lo + ", " + hi + "]");
                    }
                }
            }
        }
    }

    private static boolean contains(MemorySegment x, long from, long count, float v) {
        for (long e = 0; e < count; e++) {
            if (at(x, from + e) == v) {
                return true;
            }
        }
        return false;
    }

    @FuzzTest
    void pool2d(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int kind = f.pick(0, 1, 2, 3);                    // max, min, avg with padding counted, avg without
            boolean backward = f.bool();
            long planes = f.dim(5);
            PoolGeometry g;
            try {
                boolean dilated = kind < 2 && f.bool();       // max and min pooling take dilation
                g = new PoolGeometry(f.positive(9), f.positive(9), f.positive(4), f.positive(4), f.positive(3), f.positive(3),
                        f.dim(2), f.dim(2), f.bool(), dilated ? f.positive(3) : 1, dilated ? f.positive(3) : 1);
            } catch (IllegalArgumentException refused) {
                return;
            }
            long plane = (long) g.height() * g.width();
            long outPlane = (long) g.outHeight() * g.outWidth();
            long xOff = f.offset();
            long yOff = f.offset();
            long aOff = f.offset();
            MemorySegment x = f.floats(footprint(xOff, planes * plane, 1));
            MemorySegment y = f.floats(footprint(yOff, planes * outPlane, 1));
            MemorySegment argmax = kind < 2 ? f.floats(footprint(aOff, planes * outPlane, 1)) : null;
            String what = g + " planes " + planes + " kind " + kind;
            double[] want = null;
            if (!backward) {
                boolean done = FuzzArgs.accepted(() -> {
                    if (kind < 2) {
                        MaxPool2d.forward(kind == 1, planes, g, x, xOff, y, yOff, argmax, aOff);
                    } else {
                        AvgPool2d.forward(kind == 2, planes, g, x, xOff, y, yOff);
                    }
                }, y, argmax);
                if (done) {
                    want = reference(kind, g, planes, x, xOff);
                    for (int i = 0; i < want.length; i++) {
                        FuzzArgs.close(what + " y[" + i + "]", at(y, yOff + i), want[i], 1);
                    }
                }
                return;
            }
            boolean fromForward = kind < 2 && f.bool();
            if (fromForward) {
                try {
                    MaxPool2d.forward(kind == 1, planes, g, x, xOff, y, yOff, argmax, aOff);
                } catch (IllegalArgumentException refused) {
                    return;
                }
            } else if (argmax != null) {
                for (long i = 0; i < argmax.byteSize() / Integer.BYTES; i++) {
                    argmax.setAtIndex(ValueLayout.JAVA_INT, i, f.nextInt(4) == 0 ? f.nextInt(Integer.MAX_VALUE) - (1 << 30)
                            : f.nextInt((int) Math.min(Integer.MAX_VALUE, Math.max(1, plane))));
                }
            }
            long dxOff = f.offset();
            MemorySegment dx = f.floats(footprint(dxOff, planes * plane, 1));
            MemorySegment dy = y;
            boolean done = FuzzArgs.accepted(() -> {
                if (kind < 2) {
                    MaxPool2d.backward(planes, g, dy, yOff, argmax, aOff, dx, dxOff);
                } else {
                    AvgPool2d.backward(kind == 2, planes, g, dy, yOff, dx, dxOff);
                }
            }, dx);
            // x is no argument of the backward pass: the identity needs one that holds the planes
            // (footprint, not xOff + planes * plane: an offset near Long.MAX_VALUE wrapped that sum)
            if (done && x != null && xOff >= 0 && footprint(xOff, planes * plane, 1) <= x.byteSize() / Float.BYTES) {
                double[] gy = dense(dy, yOff, planes * outPlane);
                double[] forward = kind < 2 ? null : reference(kind, g, planes, x, xOff);
                double dyY = 0;
                double scale = 0;
                for (int i = 0; i < gy.length; i++) {
                    double yi;
                    if (kind < 2) {
                        int winner = argmax.getAtIndex(ValueLayout.JAVA_INT, aOff + i);
                        if (winner == MaxPool2d.NO_TAP) {
                            continue;                     // a window with no tap in the input: no gradient
                        }
                        if (winner < 0 || winner >= plane) {
                            throw new AssertionError(what + ": backward accepted argmax " + winner + " outside a plane of " + plane);
                        }
                        yi = at(x, xOff + i / outPlane * plane + winner);
                    } else {
                        yi = forward[i];
                    }
                    dyY += gy[i] * yi;
                    scale += Math.abs(gy[i]);
                }
                FuzzArgs.close(what + " <dx, x>", (float) dot(dense(dx, dxOff, planes * plane), dense(x, xOff, planes * plane)),
                        dyY, scale);
            }
        }
    }

    private static double[] reference(int kind, PoolGeometry g, long planes, MemorySegment x, long xOff) {
        return PoolPropertiesTest.pool(kind, dense(x, xOff, planes * g.height() * g.width()), (int) planes, g.height(), g.width(),
                g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.ceilMode(), g.dilationH(), g.dilationW());
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
