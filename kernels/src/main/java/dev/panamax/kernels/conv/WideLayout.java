package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.EVEN_LANES;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ODD_LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.FloatLanes.UPPER_HALF;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The "wide" layout of a stride-1 convolution's outputs, shared by {@link ImplicitConv2d} and
 * {@link DirectConv2d}: output {@code (i, j)} sits at {@code i Wp + j}, on the padded input's
 * width {@code Wp} rather than {@code Wout}, so that the input seen by tap {@code (c, r, s)} for
 * every output is one contiguous run of the padded plane of c starting at
 * {@code r dH Wp + s dW}. The {@code Wp - Wout} extra columns of each row are computed and
 * dropped ({@link #narrow}); gradients are spread back onto it with zeros there ({@link #widen}).
 */
final class WideLayout {

    private WideLayout() {
    }

    /** Per-thread tap-offset arrays, grown as needed: every convolution call needs one. */
    private static final PerThreadArray<long[]> ROWS = new PerThreadArray<>(long[]::new, a -> a.length, 64);

    /** This thread's array of at least {@code n} row starts (its contents are scratch). */
    static long[] rowStarts(int n) {
        return ROWS.atLeast(n);
    }

    /** Row starts of every tap {@code (c, r, s)}: the plane of c from {@code r dh wp + s dw}. */
    static void taps(int channels, int kh, int kw, long plane, int wp, int dh, int dw, long base, long[] rows) {
        int t = 0;
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < kh; r++) {
                for (int s = 0; s < kw; s++) {
                    rows[t++] = base + c * plane + (long) r * dh * wp + (long) s * dw;
                }
            }
        }
    }

    /** {@code dst [c, h + 2 ph, w + 2 pw]}: src with a zero border, then zeroed slack up to {@code total} floats. */
    static void padInto(int c, int h, int w, int ph, int pw, MemorySegment src, long srcAt, MemorySegment dst,
                                long dstAt, long total) {
        int hp = h + 2 * ph;
        int wp = w + 2 * pw;
        if (ph == 0 && pw == 0) {
            MemorySegment.copy(src, srcAt * Float.BYTES, dst, dstAt * Float.BYTES, (long) c * h * w * Float.BYTES);
            FloatLanes.fill(dst, dstAt + (long) c * h * w, total - (long) c * h * w, 0f);
            return;
        }
        FloatLanes.fill(dst, dstAt, total, 0f);
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h; i++) {
                MemorySegment.copy(src, (srcAt + ((long) ch * h + i) * w) * Float.BYTES, dst,
                        (dstAt + ((long) ch * hp + i + ph) * wp + pw) * Float.BYTES, (long) w * Float.BYTES);
            }
        }
    }

    /** {@link #padInto} into an array: {@code dst [c, h + 2 ph, w + 2 pw]} from {@code dstAt}, zeroed up to {@code total} floats. */
    static void padInto(int c, int h, int w, int ph, int pw, MemorySegment src, long srcAt, float[] dst, int dstAt,
                        int total) {
        int hp = h + 2 * ph;
        int wp = w + 2 * pw;
        if (ph == 0 && pw == 0) {
            MemorySegment.copy(src, FloatLanes.FLOAT, srcAt * Float.BYTES, dst, dstAt, c * h * w);
            Arrays.fill(dst, dstAt + c * h * w, dstAt + total, 0f);
            return;
        }
        Arrays.fill(dst, dstAt, dstAt + total, 0f);
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h; i++) {
                MemorySegment.copy(src, FloatLanes.FLOAT, (srcAt + ((long) ch * h + i) * w) * Float.BYTES, dst,
                        dstAt + (ch * hp + i + ph) * wp + pw, w);
            }
        }
    }

    /**
     * {@code y [rows, oh, ow]} from the wide layout (row i of a plane at {@code i wp}, planes
     * {@code ld} apart). Rows are short (10-28 floats in LeNet) and many (160 an image): a bulk
     * copy per row cost more than the convolution's arithmetic on some layers. Whole vectors are
     * copied instead; a row's last vector spills into the rows after it, which are written later
     * in this loop. Only rows whose spill would leave this block are copied exactly.
     */
    static void narrow(int rows, int oh, int ow, int wp, int ld, MemorySegment wide, long wideAt, MemorySegment y,
                       long yAt) {
        long end = yAt + (long) rows * oh * ow;
        long span = (ow + LANES - 1) / LANES * (long) LANES;
        for (int o = 0; o < rows; o++) {
            for (int i = 0; i < oh; i++) {
                long src = wideAt + (long) o * ld + (long) i * wp;
                long dst = yAt + ((long) o * oh + i) * ow;
                if (dst + span <= end) {
                    for (int j = 0; j < ow; j += LANES) {
                        FloatVector.fromMemorySegment(SPECIES, wide, (src + j) * Float.BYTES, ORDER).intoMemorySegment(y, (dst + j) * Float.BYTES, ORDER);
                    }
                } else {
                    MemorySegment.copy(wide, src * Float.BYTES, y, dst * Float.BYTES, (long) ow * Float.BYTES);
                }
            }
        }
    }

    /**
     * {@link #narrow} from an array, output rows {@code [from, to)} of each plane, plus
     * {@code bias[o]} on plane o when bias is not null: the bias costs no pass over y of its own
     * (on LeNet-5's conv1, 1.2 MB of output per batch of 64, that pass was 4 % of the forward).
     * Without a bias nothing is added (adding 0 would turn -0 into +0). A row is stored in whole
     * vectors, the last one running into the next row, where that row is written later by this
     * call; otherwise (the last row of a range, which another thread may be writing) element by
     * element.
     */
    static void narrow(int rows, int oh, int from, int to, int ow, int wp, int ld, float[] wide, int wideAt,
                       MemorySegment bias, long bOff, MemorySegment y, long yAt) {
        boolean whole = from == 0 && to == oh;
        long span = (ow + LANES - 1) / LANES * (long) LANES;
        for (int o = 0; o < rows; o++) {
            float b = bias == null ? 0f : FloatLanes.get(bias, bOff + o);
            // the end of what this call writes after plane o's rows: all of y when it writes whole planes
            long end = yAt + (whole ? (long) rows * oh * ow : ((long) o * oh + to) * ow);
            for (int i = from; i < to; i++) {
                int src = wideAt + o * ld + i * wp;
                long dst = yAt + ((long) o * oh + i) * ow;
                if (dst + span <= end) {
                    if (bias == null) {
                        for (int j = 0; j < ow; j += LANES) {
                            FloatVector.fromArray(SPECIES, wide, src + j).intoMemorySegment(y, (dst + j) * Float.BYTES, ORDER);
                        }
                    } else {
                        for (int j = 0; j < ow; j += LANES) {
                            FloatVector.fromArray(SPECIES, wide, src + j).add(b).intoMemorySegment(y, (dst + j) * Float.BYTES, ORDER);
                        }
                    }
                } else {
                    for (int j = 0; j < ow; j++) {
                        FloatLanes.set(y, dst + j, bias == null ? wide[src + j] : wide[src + j] + b);
                    }
                }
            }
        }
    }

    /**
     * {@link #narrow} with ReLU and a 2 x 2 / stride 2 pool on the way, for inference:
     * {@code y [rows, oh / 2, ow / 2]} gets {@code max_pool2d(relu(out + bias), 2)}, or
     * {@code avg_pool2d} when {@code average}, for the pooled rows {@code [from / 2, to / 2)} of
     * each plane ({@code from} and {@code to} even; a last odd output row or column, which
     * floor-mode pooling drops, is never read). The values are those of the convolution, the ReLU
     * and the pool run one after another, with no pass over a full-size output:
     * <ul>
     * <li>max: pooled first, then biased and rectified. Adding a constant and ReLU are monotone in
     *     floating point (rounding never reverses an order), so the maximum of the rectified sums
     *     is the rectified sum of the maximum, and a window of outputs at most zero gives +0
     *     either way; a window with a NaN gives a NaN (its payload may differ). A quarter of the
     *     additions and ReLUs.</li>
     * <li>average: each output biased and rectified, then summed as the average pool sums,
     *     {@code ((x00 + x01) + x10) + x11} times 1/4.</li>
     * </ul>
     * Each vector of pooled outputs takes two vectors of each row, their even and odd columns
     * gathered as the pools gather them. The last vector of a row overlaps the one before it; a
     * row shorter than a vector is stored masked, so nothing of another thread's rows is written.
     * Whole vectors are read from a row's start: the caller's wide array has {@code 2 LANES}
     * floats of slack. Without a bias b is 0, whose addition changes only a -0, to the +0 the
     * ReLU gives it anyway.
     */
    static void narrowReluPool(boolean average, int rows, int oh, int from, int to, int ow, int wp, int ld, float[] wide,
                               int wideAt, MemorySegment bias, long bOff, MemorySegment y, long yAt) {
        int ph = oh / 2;
        int pw = ow / 2;
        for (int o = 0; o < rows; o++) {
            float b = bias == null ? 0f : FloatLanes.get(bias, bOff + o);
            for (int i = from; i < to; i += 2) {
                int top = wideAt + o * ld + i * wp;
                long dst = yAt + ((long) o * ph + i / 2) * pw;
                if (pw < LANES) {
                    VectorMask<Float> m = FloatLanes.firstLanes(pw);
                    if (average) {
                        rectifiedAverages(wide, top, wp, b).intoMemorySegment(y, dst * Float.BYTES, ORDER, m);
                    } else {
                        rectifiedMaxima(wide, top, wp, b).intoMemorySegment(y, dst * Float.BYTES, ORDER, m);
                    }
                    continue;
                }
                for (int k = 0; k < pw; k += LANES) {
                    int j = Math.min(k, pw - LANES);
                    long at = (dst + j) * Float.BYTES;
                    if (average) {
                        rectifiedAverages(wide, top + 2 * j, wp, b).intoMemorySegment(y, at, ORDER);
                    } else {
                        rectifiedMaxima(wide, top + 2 * j, wp, b).intoMemorySegment(y, at, ORDER);
                    }
                }
            }
        }
    }

    /** {@code relu(max(2 x 2 window) + b)} of the LANES windows whose top-left corners are {@code wide[at + 2k]} (rows {@code wp} apart). */
    private static FloatVector rectifiedMaxima(float[] wide, int at, int wp, float b) {
        FloatVector v0 = FloatVector.fromArray(SPECIES, wide, at).max(FloatVector.fromArray(SPECIES, wide, at + wp));
        FloatVector v1 = FloatVector.fromArray(SPECIES, wide, at + LANES)
                .max(FloatVector.fromArray(SPECIES, wide, at + wp + LANES));
        FloatVector even = v0.rearrange(EVEN_LANES).blend(v1.rearrange(EVEN_LANES), UPPER_HALF);
        FloatVector odd = v0.rearrange(ODD_LANES).blend(v1.rearrange(ODD_LANES), UPPER_HALF);
        return even.max(odd).add(b).max(0f);
    }

    /** The averages of {@code relu(2 x 2 window + b)}, in the average pool's order, of the windows of {@link #rectifiedMaxima}. */
    private static FloatVector rectifiedAverages(float[] wide, int at, int wp, float b) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, wide, at).add(b).max(0f);
        FloatVector a1 = FloatVector.fromArray(SPECIES, wide, at + LANES).add(b).max(0f);
        FloatVector b0 = FloatVector.fromArray(SPECIES, wide, at + wp).add(b).max(0f);
        FloatVector b1 = FloatVector.fromArray(SPECIES, wide, at + wp + LANES).add(b).max(0f);
        return a0.rearrange(EVEN_LANES).blend(a1.rearrange(EVEN_LANES), UPPER_HALF)
                .add(a0.rearrange(ODD_LANES).blend(a1.rearrange(ODD_LANES), UPPER_HALF))
                .add(b0.rearrange(EVEN_LANES).blend(b1.rearrange(EVEN_LANES), UPPER_HALF))
                .add(b0.rearrange(ODD_LANES).blend(b1.rearrange(ODD_LANES), UPPER_HALF))
                .mul(0.25f);
    }

    /** The wide layout {@code [o4, ld]} of {@code dy [rows, oh, ow]} into an array from {@code wideAt}: zero in the extra columns and rows. */
    static void widen(int rows, int o4, int oh, int ow, int wp, int ld, MemorySegment dy, long dyAt, float[] wide,
                      int wideAt) {
        Arrays.fill(wide, wideAt, wideAt + o4 * ld, 0f);
        for (int o = 0; o < rows; o++) {
            for (int i = 0; i < oh; i++) {
                MemorySegment.copy(dy, FloatLanes.FLOAT, (dyAt + ((long) o * oh + i) * ow) * Float.BYTES, wide,
                        wideAt + o * ld + i * wp, ow);
            }
        }
    }

    /**
     * {@code dst [n, rows]}: dy {@code [rows, oh, ow]} transposed onto the wide layout, row
     * {@code i wp + j} holding {@code dy[:, i, j]}, zero for the extra columns {@code j >= ow}
     * (the first n wide positions). Output row by output row, so that the block written (wp rows
     * of {@code rows} floats: 15 KB for 64 channels on 56 x 56) stays in L1 while dy is read in order.
     */
    static void transposeWide(int rows, int oh, int ow, int wp, int n, MemorySegment dy, long dyAt,
                              MemorySegment dst, long dstAt) {
        for (int i = 0; i < oh; i++) {
            long block = dstAt + (long) i * wp * rows;
            for (int o = 0; o < rows; o++) {
                long from = dyAt + ((long) o * oh + i) * ow;
                for (int j = 0; j < ow; j++) {
                    FloatLanes.set(dst, block + (long) j * rows + o, FloatLanes.get(dy, from + j));
                }
            }
            long extra = Math.min(wp, n - (long) i * wp) - ow;
            if (extra > 0) {
                FloatLanes.fill(dst, block + (long) ow * rows, extra * rows, 0f);
            }
        }
    }
}
