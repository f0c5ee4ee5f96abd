package dev.panamax.kernels.upsample;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Resizing of {@code planes} planes of {@code H x W} to {@code Hout x Wout}, as
 * {@code torch.nn.functional.interpolate(mode="nearest" | "bilinear" | "bicubic")}, forward and backward, with
 * PyTorch 1.13's source coordinates (UpSample.h): a scale {@code s} per dimension, input pixels per
 * output pixel, is {@code 1 / scale_factor} where a scale factor was given and {@code H / Hout}
 * otherwise (or, for bilinear with {@code align_corners}, {@code (H - 1) / (Hout - 1)}).
 * <ul>
 * <li>nearest: output {@code i} reads {@code min(floor(i s), H - 1)} (in float, as PyTorch; exactly
 *     {@code i} or {@code i / 2} for equal or doubled sizes);</li>
 * <li>bilinear: output {@code i} sits at {@code (i + 1/2) s - 1/2}, clamped at 0 (or {@code i s}
 *     with align_corners), between input rows {@code i0 = floor} and {@code min(i0 + 1, H - 1)},
 *     weighted {@code 1 - l} and {@code l}, columns alike.</li>
 * <li>bicubic: output {@code i} sits at {@code (i + 1/2) s - 1/2}, not clamped (or {@code i s}
 *     with align_corners); with {@code i0 = min(floor, H - 1)} and {@code t} the fraction past it
 *     (clamped to [0, 1]), rows {@code i0 - 1 .. i0 + 2}, each clamped into the plane, weighted by
 *     Keys' cubic convolution with {@code A = -0.75} (PyTorch's), columns alike.</li>
 * </ul>
 * Each output's sources and weights are worked out where they are used (a few float operations
 * beside four loads; tables of them would be garbage per call); the backward adds each output's
 * gradient to the inputs it read, with the same weights.
 */
public final class Upsample2d {

    private Upsample2d() {
    }

    /** The scale PyTorch uses: {@code 1 / scaleFactor} when one was given (above 0), else {@code in / out}. */
    public static double scale(int in, int out, double scaleFactor) {
        return scaleFactor > 0 ? 1.0 / scaleFactor : (double) in / out;
    }

    /** {@code y [planes, Hout, Wout]} (written) by nearest neighbour; {@code scaleH}, {@code scaleW} from {@link #scale}. */
    public static void nearestForward(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW,
                                      MemorySegment x, long xOff, MemorySegment y, long yOff) {
        check(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff, scaleH, scaleW, true);
        float sh = (float) scaleH;
        float sw = (float) scaleW;
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = yOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                long src = in + (long) nearest(i, h, oh, sh) * w;
                long dst = out + (long) i * ow;
                for (int j = 0; j < ow; j++) {
                    FloatLanes.set(y, dst + j, FloatLanes.get(x, src + nearest(j, w, ow, sw)));
                }
            }
        }
    }

    /** {@code dx [planes, H, W]} (written): each output's gradient added to the input it copied. */
    public static void nearestBackward(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW,
                                       MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        check(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff, scaleH, scaleW, true);
        float sh = (float) scaleH;
        float sw = (float) scaleW;
        FloatLanes.fill(dx, dxOff, planes * h * w, 0f);
        for (long p = 0; p < planes; p++) {
            long in = dxOff + p * h * w;
            long out = dyOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                long src = in + (long) nearest(i, h, oh, sh) * w;
                long dst = out + (long) i * ow;
                for (int j = 0; j < ow; j++) {
                    long at = src + nearest(j, w, ow, sw);
                    FloatLanes.set(dx, at, FloatLanes.get(dx, at) + FloatLanes.get(dy, dst + j));
                }
            }
        }
    }

    /**
     * {@code y [planes, Hout, Wout]} (written) by bilinear interpolation; with {@code alignCorners}
     * the scales are ignored ({@code (H - 1) / (Hout - 1)}, 0 for one output).
     */
    public static void bilinearForward(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW,
                                       boolean alignCorners, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        check(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff, scaleH, scaleW, !alignCorners);
        float sh = linearScale(h, oh, scaleH, alignCorners);
        float sw = linearScale(w, ow, scaleW, alignCorners);
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = yOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                float ri = source(i, sh, alignCorners);
                int i0 = first(ri, h);
                long r0 = in + (long) i0 * w;
                long r1 = in + (long) second(i0, h) * w;
                float a = weight(ri, i0);
                for (int j = 0; j < ow; j++) {
                    float rj = source(j, sw, alignCorners);
                    int c0 = first(rj, w);
                    int c1 = second(c0, w);
                    float b = weight(rj, c0);
                    float top = (1 - b) * FloatLanes.get(x, r0 + c0) + b * FloatLanes.get(x, r0 + c1);
                    float bottom = (1 - b) * FloatLanes.get(x, r1 + c0) + b * FloatLanes.get(x, r1 + c1);
                    FloatLanes.set(y, out + (long) i * ow + j, (1 - a) * top + a * bottom);
                }
            }
        }
    }

    /** {@code dx [planes, H, W]} (written): each output's gradient shared among its four inputs by their weights. */
    public static void bilinearBackward(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW,
                                        boolean alignCorners, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        check(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff, scaleH, scaleW, !alignCorners);
        float sh = linearScale(h, oh, scaleH, alignCorners);
        float sw = linearScale(w, ow, scaleW, alignCorners);
        FloatLanes.fill(dx, dxOff, planes * h * w, 0f);
        for (long p = 0; p < planes; p++) {
            long in = dxOff + p * h * w;
            long out = dyOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                float ri = source(i, sh, alignCorners);
                int i0 = first(ri, h);
                long r0 = in + (long) i0 * w;
                long r1 = in + (long) second(i0, h) * w;
                float a = weight(ri, i0);
                for (int j = 0; j < ow; j++) {
                    float rj = source(j, sw, alignCorners);
                    int c0 = first(rj, w);
                    int c1 = second(c0, w);
                    float b = weight(rj, c0);
                    float g = FloatLanes.get(dy, out + (long) i * ow + j);
                    add(dx, r0 + c0, (1 - a) * (1 - b) * g);
                    add(dx, r0 + c1, (1 - a) * b * g);
                    add(dx, r1 + c0, a * (1 - b) * g);
                    add(dx, r1 + c1, a * b * g);
                }
            }
        }
    }

    /**
     * {@code y [planes, Hout, Wout]} (written) by bicubic interpolation; with {@code alignCorners}
     * the scales are ignored, as for bilinear. Outputs may overshoot the inputs' range, as PyTorch's do.
     */
    public static void bicubicForward(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW,
                                      boolean alignCorners, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        check(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff, scaleH, scaleW, !alignCorners);
        float sh = linearScale(h, oh, scaleH, alignCorners);
        float sw = linearScale(w, ow, scaleW, alignCorners);
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = yOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                float ry = cubicSource(i, sh, alignCorners);
                int i0 = cubicFirst(ry, h);
                float ty = cubicFraction(ry, i0);
                for (int j = 0; j < ow; j++) {
                    float rx = cubicSource(j, sw, alignCorners);
                    int j0 = cubicFirst(rx, w);
                    float tx = cubicFraction(rx, j0);
                    float sum = cubicWeight(ty, 0) * cubicRow(x, in + (long) clamp(i0 - 1, h) * w, j0, w, tx)
                            + cubicWeight(ty, 1) * cubicRow(x, in + (long) clamp(i0, h) * w, j0, w, tx)
                            + cubicWeight(ty, 2) * cubicRow(x, in + (long) clamp(i0 + 1, h) * w, j0, w, tx)
                            + cubicWeight(ty, 3) * cubicRow(x, in + (long) clamp(i0 + 2, h) * w, j0, w, tx);
                    FloatLanes.set(y, out + (long) i * ow + j, sum);
                }
            }
        }
    }

    /** {@code dx [planes, H, W]} (written): each output's gradient shared among its 16 (clamped) inputs by their weights. */
    public static void bicubicBackward(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW,
                                       boolean alignCorners, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        check(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff, scaleH, scaleW, !alignCorners);
        float sh = linearScale(h, oh, scaleH, alignCorners);
        float sw = linearScale(w, ow, scaleW, alignCorners);
        FloatLanes.fill(dx, dxOff, planes * h * w, 0f);
        for (long p = 0; p < planes; p++) {
            long in = dxOff + p * h * w;
            long out = dyOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                float ry = cubicSource(i, sh, alignCorners);
                int i0 = cubicFirst(ry, h);
                float ty = cubicFraction(ry, i0);
                for (int j = 0; j < ow; j++) {
                    float rx = cubicSource(j, sw, alignCorners);
                    int j0 = cubicFirst(rx, w);
                    float tx = cubicFraction(rx, j0);
                    float g = FloatLanes.get(dy, out + (long) i * ow + j);
                    for (int r = 0; r < 4; r++) {
                        long row = in + (long) clamp(i0 - 1 + r, h) * w;
                        float gr = g * cubicWeight(ty, r);
                        for (int c = 0; c < 4; c++) {
                            add(dx, row + clamp(j0 - 1 + c, w), gr * cubicWeight(tx, c));
                        }
                    }
                }
            }
        }
    }

    /** One row's cubic interpolation at fraction {@code t} past column {@code j0} (columns {@code j0 - 1 .. j0 + 2}, clamped). */
    private static float cubicRow(MemorySegment x, long row, int j0, int w, float t) {
        return FloatLanes.get(x, row + clamp(j0 - 1, w)) * cubicWeight(t, 0)
                + FloatLanes.get(x, row + clamp(j0, w)) * cubicWeight(t, 1)
                + FloatLanes.get(x, row + clamp(j0 + 1, w)) * cubicWeight(t, 2)
                + FloatLanes.get(x, row + clamp(j0 + 2, w)) * cubicWeight(t, 3);
    }

    /** The real source coordinate of output {@code i}, not clamped at 0 (PyTorch's {@code cubic=true}). */
    private static float cubicSource(int i, float s, boolean alignCorners) {
        return alignCorners ? s * i : s * (i + 0.5f) - 0.5f;
    }

    /** The source at or before the real coordinate (-1 before the first), at most the last: {@code guard_index_and_lambda}. */
    private static int cubicFirst(float real, int in) {
        return (int) Math.min((long) Math.floor(real), in - 1);
    }

    /** How far past its first source the real coordinate lies, clamped to [0, 1]. */
    private static float cubicFraction(float real, int first) {
        return Math.min(Math.max(real - first, 0f), 1f);
    }

    /**
     * The weight of tap {@code k} (sources {@code first - 1 + k}) at fraction {@code t}:
     * PyTorch's {@code get_cubic_upsample_coefficients}.
     */
    private static float cubicWeight(float t, int k) {
        return switch (k) {
            case 0 -> cubicFar(t + 1);
            case 1 -> cubicNear(t);
            case 2 -> cubicNear(1 - t);
            default -> cubicFar(2 - t);
        };
    }

    /** Keys' kernel for {@code |x| <= 1}: {@code ((A + 2) x - (A + 3)) x^2 + 1}. */
    private static float cubicNear(float x) {
        return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
    }

    /** Keys' kernel for {@code 1 < |x| < 2}: {@code ((A x - 5A) x + 8A) x - 4A}. */
    private static float cubicFar(float x) {
        return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
    }

    /** PyTorch's (and OpenCV's) cubic convolution parameter. */
    private static final float CUBIC_A = -0.75f;

    private static int clamp(int at, int size) {
        return Math.max(0, Math.min(at, size - 1));
    }

    /**
     * The planes and their segments, and, where they are used ({@code scalesUsed}: not with
     * align_corners, which sets its own), the scales: input pixels per output pixel, finite and
     * above 0 (a negative one would read other planes).
     */
    private static void check(long planes, int h, int w, int oh, int ow, String inName, MemorySegment in, long inOff,
                              String outName, MemorySegment out, long outOff, double scaleH, double scaleW, boolean scalesUsed) {
        Checks.resampledPlanes(planes, h, w, oh, ow, inName, in, inOff, outName, out, outOff);
        if (scalesUsed && (!(scaleH > 0) || !(scaleW > 0) || Double.isInfinite(scaleH) || Double.isInfinite(scaleW))) {
            throw new IllegalArgumentException("the scales (input pixels per output pixel) must be finite and > 0, got "
                    + scaleH + " and " + scaleW);
        }
    }

    private static void add(MemorySegment s, long at, float v) {
        FloatLanes.set(s, at, FloatLanes.get(s, at) + v);
    }

    /** The nearest source of output {@code i} of {@code out} over {@code in} inputs, at float scale {@code s}. */
    private static int nearest(int i, int in, int out, float s) {
        return out == in ? i : out == 2 * in ? i >> 1 : Math.min((int) Math.floor(i * s), in - 1);
    }

    /** The bilinear scale in float, as PyTorch computes it: {@code (in - 1) / (out - 1)} with align_corners. */
    private static float linearScale(int in, int out, double scale, boolean alignCorners) {
        return alignCorners ? (out > 1 ? (float) (in - 1) / (out - 1) : 0f) : (float) scale;
    }

    /** The real source coordinate of output {@code i}. */
    private static float source(int i, float s, boolean alignCorners) {
        return alignCorners ? s * i : Math.max(0f, s * (i + 0.5f) - 0.5f);
    }

    /** The first of the two sources. */
    private static int first(float real, int in) {
        return Math.min((int) real, in - 1);
    }

    /** The second source: the next one, or the first again at the edge. */
    private static int second(int first, int in) {
        return first < in - 1 ? first + 1 : first;
    }

    /** The second source's weight. */
    private static float weight(float real, int first) {
        return Math.min(Math.max(real - first, 0f), 1f);
    }
}
