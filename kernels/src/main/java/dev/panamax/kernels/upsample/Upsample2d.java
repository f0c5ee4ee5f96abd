package dev.panamax.kernels.upsample;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Resizing of {@code planes} planes of {@code H x W} to {@code Hout x Wout}, as
 * {@code torch.nn.functional.interpolate(mode="nearest" | "bilinear")}, forward and backward, with
 * PyTorch 1.13's source coordinates (UpSample.h): a scale {@code s} per dimension, input pixels per
 * output pixel, is {@code 1 / scale_factor} where a scale factor was given and {@code H / Hout}
 * otherwise (or, for bilinear with {@code align_corners}, {@code (H - 1) / (Hout - 1)}).
 * <ul>
 * <li>nearest: output {@code i} reads {@code min(floor(i s), H - 1)} (in float, as PyTorch; exactly
 *     {@code i} or {@code i / 2} for equal or doubled sizes);</li>
 * <li>bilinear: output {@code i} sits at {@code (i + 1/2) s - 1/2}, clamped at 0 (or {@code i s}
 *     with align_corners), between input rows {@code i0 = floor} and {@code min(i0 + 1, H - 1)},
 *     weighted {@code 1 - l} and {@code l}, columns alike.</li>
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
        Checks.resampledPlanes(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff);
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
        Checks.resampledPlanes(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff);
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
        Checks.resampledPlanes(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff);
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
        Checks.resampledPlanes(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff);
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
