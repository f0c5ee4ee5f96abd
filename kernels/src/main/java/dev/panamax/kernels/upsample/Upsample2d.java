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
 * Each output row's and column's sources and weights are worked out once per call; the backward
 * adds each output's gradient to the inputs it read, with the same weights.
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
        check(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff);
        int[] rows = nearest(h, oh, scaleH);
        int[] cols = nearest(w, ow, scaleW);
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = yOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                long src = in + (long) rows[i] * w;
                long dst = out + (long) i * ow;
                for (int j = 0; j < ow; j++) {
                    FloatLanes.set(y, dst + j, FloatLanes.get(x, src + cols[j]));
                }
            }
        }
    }

    /** {@code dx [planes, H, W]} (written): each output's gradient added to the input it copied. */
    public static void nearestBackward(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW,
                                       MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        check(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff);
        int[] rows = nearest(h, oh, scaleH);
        int[] cols = nearest(w, ow, scaleW);
        FloatLanes.fill(dx, dxOff, planes * h * w, 0f);
        for (long p = 0; p < planes; p++) {
            long in = dxOff + p * h * w;
            long out = dyOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                long src = in + (long) rows[i] * w;
                long dst = out + (long) i * ow;
                for (int j = 0; j < ow; j++) {
                    long at = src + cols[j];
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
        check(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff);
        Linear rows = Linear.of(h, oh, scaleH, alignCorners);
        Linear cols = Linear.of(w, ow, scaleW, alignCorners);
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = yOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                long r0 = in + (long) rows.first[i] * w;
                long r1 = in + (long) rows.second[i] * w;
                float a = rows.weight[i];
                for (int j = 0; j < ow; j++) {
                    int c0 = cols.first[j];
                    int c1 = cols.second[j];
                    float b = cols.weight[j];
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
        check(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff);
        Linear rows = Linear.of(h, oh, scaleH, alignCorners);
        Linear cols = Linear.of(w, ow, scaleW, alignCorners);
        FloatLanes.fill(dx, dxOff, planes * h * w, 0f);
        for (long p = 0; p < planes; p++) {
            long in = dxOff + p * h * w;
            long out = dyOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                long r0 = in + (long) rows.first[i] * w;
                long r1 = in + (long) rows.second[i] * w;
                float a = rows.weight[i];
                for (int j = 0; j < ow; j++) {
                    int c0 = cols.first[j];
                    int c1 = cols.second[j];
                    float b = cols.weight[j];
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

    /** Nearest sources of {@code out} outputs over {@code in} inputs. */
    private static int[] nearest(int in, int out, double scale) {
        int[] src = new int[out];
        float s = (float) scale;                  // PyTorch computes this index in float
        for (int i = 0; i < out; i++) {
            src[i] = out == in ? i : out == 2 * in ? i >> 1 : Math.min((int) Math.floor(i * s), in - 1);
        }
        return src;
    }

    /** The two sources and the second's weight of each output along one dimension. */
    private record Linear(int[] first, int[] second, float[] weight) {
        static Linear of(int in, int out, double scale, boolean alignCorners) {
            float s = alignCorners ? (out > 1 ? (float) (in - 1) / (out - 1) : 0f) : (float) scale;
            int[] first = new int[out];
            int[] second = new int[out];
            float[] weight = new float[out];
            for (int i = 0; i < out; i++) {
                float real = alignCorners ? s * i : Math.max(0f, s * (i + 0.5f) - 0.5f);
                int i0 = Math.min((int) real, in - 1);
                first[i] = i0;
                second[i] = i0 < in - 1 ? i0 + 1 : i0;
                weight[i] = Math.min(Math.max(real - i0, 0f), 1f);
            }
            return new Linear(first, second, weight);
        }
    }

    private static void check(long planes, int h, int w, int oh, int ow, String inName, MemorySegment in, long inOff,
                              String outName, MemorySegment out, long outOff) {
        Checks.nonNegative("planes", planes);
        Checks.positive("H", h);
        Checks.positive("W", w);
        Checks.positive("output height", oh);
        Checks.positive("output width", ow);
        Checks.floats(inName, in, inOff, Checks.elements(planes, (long) h * w));
        Checks.floats(outName, out, outOff, Checks.elements(planes, (long) oh * ow));
    }
}
