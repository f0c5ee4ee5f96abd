package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.EVEN;
import static dev.panamax.kernels.FloatLanes.EVEN_LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.FloatLanes.UPPER_HALF;
import static dev.panamax.kernels.FloatLanes.ZIP_HIGH;
import static dev.panamax.kernels.FloatLanes.ZIP_LOW;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * im2col and its adjoint col2im for one image. Row {@code (c, r, s)} of the column matrix holds,
 * for every output position {@code (i, j)}, the input value the kernel tap {@code (r, s)} of
 * channel c sees there ({@code x[c, i sH - pH + r dH, j sW - pW + s dW]}, zero in the padding).
 * A convolution is then one GEMM: {@code W [O, C kH kW] x col}.
 *
 * <p>Each row is written in runs: for a given output row i and tap, the valid output columns form
 * one interval computed once, so the interior needs no per-element bounds test; stride-1 runs are
 * a straight copy (im2col) or a vector add (col2im).
 */
public final class Im2col {

    private Im2col() {
    }

    /** {@code col [C kH kW, Hout Wout]} from {@code x [C, H, W]} (both contiguous). */
    public static void im2col(ConvGeometry g, MemorySegment x, long xOff, MemorySegment col, long colOff) {
        im2col(g, x, xOff, col, colOff, 0, g.outHeight());
    }

    /**
     * The columns of output rows {@code [i0, i1)} only: {@code col [C kH kW, (i1 - i0) Wout]}, the
     * chunk a bounded workspace holds.
     */
    public static void im2col(ConvGeometry g, MemorySegment x, long xOff, MemorySegment col, long colOff, int i0, int i1) {
        checkRows(g, i0, i1);
        int ow = g.outWidth();
        long length = (long) (i1 - i0) * ow;
        Checks.floats("x", x, xOff, g.imageSize());
        Checks.floats("col", col, colOff, Checks.elements(g.colRows(), length));
        long row = colOff - (long) i0 * ow;
        for (int c = 0; c < g.channels(); c++) {
            long plane = xOff + (long) c * g.height() * g.width();
            for (int r = 0; r < g.kernelH(); r++) {
                for (int s = 0; s < g.kernelW(); s++, row += length) {
                    long dx = (long) s * g.dilationW() - g.padW();     // long: padding and dilation may be near 2^31
                    int j0 = firstValid(dx, g.strideW());
                    int j1 = lastValidExclusive(dx, g.strideW(), g.width(), ow);
                    for (int i = i0; i < i1; i++) {
                        long out = row + (long) i * ow;
                        long y = (long) i * g.strideH() - g.padH() + (long) r * g.dilationH();
                        if (y < 0 || y >= g.height() || j0 >= j1) {
                            fillZero(col, out, ow);
                            continue;
                        }
                        fillZero(col, out, j0);
                        long in = plane + (long) y * g.width() + dx;
                        if (g.strideW() == 1) {
                            copyRun(j1 - j0, x, in + j0, col, out + j0);
                        } else {
                            gatherRun(j1 - j0, g.strideW(), x, in + (long) j0 * g.strideW(), col, out + j0);
                        }
                        fillZero(col, out + j1, ow - j1);
                    }
                }
            }
        }
    }

    /** {@code dx += col2im(dcol)}: the adjoint of {@link #im2col}, overlapping taps add up. */
    public static void col2imAdd(ConvGeometry g, MemorySegment col, long colOff, MemorySegment dx, long dxOff) {
        col2imAdd(g, col, colOff, dx, dxOff, 0, g.outHeight());
    }

    /** {@link #col2imAdd} of a chunk {@code [C kH kW, (i1 - i0) Wout]} holding output rows {@code [i0, i1)}. */
    public static void col2imAdd(ConvGeometry g, MemorySegment col, long colOff, MemorySegment dx, long dxOff, int i0, int i1) {
        checkRows(g, i0, i1);
        int ow = g.outWidth();
        long length = (long) (i1 - i0) * ow;
        Checks.floats("col", col, colOff, Checks.elements(g.colRows(), length));
        Checks.floats("dx", dx, dxOff, g.imageSize());
        long row = colOff - (long) i0 * ow;
        for (int c = 0; c < g.channels(); c++) {
            long plane = dxOff + (long) c * g.height() * g.width();
            for (int r = 0; r < g.kernelH(); r++) {
                for (int s = 0; s < g.kernelW(); s++, row += length) {
                    long dxw = (long) s * g.dilationW() - g.padW();
                    int j0 = firstValid(dxw, g.strideW());
                    int j1 = lastValidExclusive(dxw, g.strideW(), g.width(), ow);
                    for (int i = i0; i < i1; i++) {
                        long y = (long) i * g.strideH() - g.padH() + (long) r * g.dilationH();
                        if (y < 0 || y >= g.height() || j0 >= j1) {
                            continue;
                        }
                        long in = row + (long) i * ow;
                        long out = plane + (long) y * g.width() + dxw;
                        if (g.strideW() == 1) {
                            addRun(j1 - j0, col, in + j0, dx, out + j0);
                        } else {
                            scatterAddRun(j1 - j0, g.strideW(), col, in + j0, dx, out + (long) j0 * g.strideW());
                        }
                    }
                }
            }
        }
    }

    private static void checkRows(ConvGeometry g, int i0, int i1) {
        if (i0 < 0 || i1 > g.outHeight() || i0 > i1) {
            throw new IllegalArgumentException("output rows [" + i0 + ", " + i1 + ") must lie in [0, " + g.outHeight() + "]");
        }
    }

    /**
     * {@code dst[0, n) = src[0, n)}: a stride-1 run of im2col, as whole vectors with the last one
     * overlapping the one before instead of masked. Runs are short (an output row, 56 floats for
     * ResNet), and {@code MemorySegment.copy} costs about 20 ns a call: with it, im2col of a 3 x 3
     * over 64 x 56 x 56 took 0.85 ms per image, most of it in the calls.
     */
    private static void copyRun(int n, MemorySegment src, long srcAt, MemorySegment dst, long dstAt) {
        if (n < LANES) {
            for (int j = 0; j < n; j++) {
                FloatLanes.set(dst, dstAt + j, FloatLanes.get(src, srcAt + j));
            }
            return;
        }
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            FloatVector.fromMemorySegment(SPECIES, src, (srcAt + j) * Float.BYTES, ORDER).intoMemorySegment(dst, (dstAt + j) * Float.BYTES, ORDER);
        }
        if (j < n) {
            FloatVector.fromMemorySegment(SPECIES, src, (srcAt + n - LANES) * Float.BYTES, ORDER).intoMemorySegment(dst, (dstAt + n - LANES) * Float.BYTES, ORDER);
        }
    }

    /**
     * {@code dst[j] = src[j stride]} for j in {@code [0, n)}: a strided run of im2col. Stride 2 (a
     * downsampling convolution, a transposed one's input gradient) takes two vectors of the source
     * and keeps their even lanes with one lane permutation each and a blend: a whole vector out per
     * step, the last one overlapping the one before. Other strides: one vector of the source holds
     * {@code ceil(lanes / stride)} wanted values at the lanes {@code = 0 mod stride}, and
     * {@code compress} packs them to the front (one instruction on AVX-512; AVX2 has none, which is
     * why stride 2 does not take this path). The last values, where a whole vector would pass the
     * end of the segment, go one by one.
     */
    private static void gatherRun(int n, int stride, MemorySegment src, long srcAt, MemorySegment dst, long dstAt) {
        int j = 0;
        long srcEnd = src.byteSize() / Float.BYTES;
        if (stride == 2) {
            for (; j + LANES <= n && srcAt + 2L * (j + LANES) <= srcEnd; j += LANES) {
                evenLanes(src, srcAt + 2L * j, dst, dstAt + j);
            }
            if (j < n && n >= LANES && srcAt + 2L * n <= srcEnd) {
                evenLanes(src, srcAt + 2L * (n - LANES), dst, dstAt + n - LANES);
                return;
            }
        } else if (stride < LANES) {
            int per = (LANES + stride - 1) / stride;
            VectorMask<Float> every = everyNth(stride);
            VectorMask<Float> first = FloatLanes.firstLanes(per);
            long srcLimit = srcEnd - LANES;
            for (; j + per <= n && srcAt + (long) j * stride <= srcLimit; j += per) {
                FloatVector.fromMemorySegment(SPECIES, src, (srcAt + (long) j * stride) * Float.BYTES, ORDER).compress(every).intoMemorySegment(dst, (dstAt + j) * Float.BYTES, ORDER, first);
            }
        }
        for (; j < n; j++) {
            FloatLanes.set(dst, dstAt + j, FloatLanes.get(src, srcAt + (long) j * stride));
        }
    }

    /** One vector of {@code dst[j] = src[2 j]}: the even lanes of two source vectors. */
    private static void evenLanes(MemorySegment src, long srcAt, MemorySegment dst, long dstAt) {
        FloatVector low = FloatVector.fromMemorySegment(SPECIES, src, srcAt * Float.BYTES, ORDER);
        FloatVector high = FloatVector.fromMemorySegment(SPECIES, src, (srcAt + LANES) * Float.BYTES, ORDER);
        low.rearrange(EVEN_LANES).blend(high.rearrange(EVEN_LANES), UPPER_HALF).intoMemorySegment(dst, dstAt * Float.BYTES, ORDER);
    }

    /**
     * {@code dst[j stride] += src[j]} for j in {@code [0, n)}: a strided run of col2im, the adjoint
     * of {@link #gatherRun}. Stride 2: a vector of src is spread over two of dst (lane
     * permutations) and added to their even lanes, whole vectors read and written. Other strides:
     * {@code expand} spreads a vector's first values onto the lanes {@code = 0 mod stride}, and
     * only those lanes of dst are read and written (masked accesses; AVX2 has no expand, and its
     * masked stores are slow, hence the stride-2 path: 1.4 to 0.55-0.65 ms per col2im of 32 x 56 x 56,
     * k 4, on a Zen 3). Vectors never reach past the run's last value: the lanes beyond may belong
     * to another thread's image.
     */
    private static void scatterAddRun(int n, int stride, MemorySegment src, long srcAt, MemorySegment dst, long dstAt) {
        int j = 0;
        if (stride == 2) {
            // the vectors end before the run's last value, so the lanes they write back unchanged
            // lie between this run's values, in this image's row
            for (; j + LANES < n; j += LANES) {
                FloatVector v = FloatVector.fromMemorySegment(SPECIES, src, (srcAt + j) * Float.BYTES, ORDER);
                long at = (dstAt + 2L * j) * Float.BYTES;
                FloatVector.fromMemorySegment(SPECIES, dst, at, ORDER).add(v.rearrange(ZIP_LOW), EVEN)
                        .intoMemorySegment(dst, at, ORDER);
                FloatVector.fromMemorySegment(SPECIES, dst, at + LANES * Float.BYTES, ORDER).add(v.rearrange(ZIP_HIGH), EVEN)
                        .intoMemorySegment(dst, at + LANES * Float.BYTES, ORDER);
            }
        } else if (stride < LANES) {
            int per = (LANES + stride - 1) / stride;
            VectorMask<Float> every = everyNth(stride);
            long srcLimit = src.byteSize() / Float.BYTES - LANES;
            long dstLimit = dst.byteSize() / Float.BYTES - LANES;
            for (; j + per <= n && srcAt + j <= srcLimit && dstAt + (long) j * stride <= dstLimit; j += per) {
                long at = dstAt + (long) j * stride;
                FloatVector spread = FloatVector.fromMemorySegment(SPECIES, src, (srcAt + j) * Float.BYTES, ORDER).expand(every);
                FloatVector.fromMemorySegment(SPECIES, dst, at * Float.BYTES, ORDER, every).add(spread).intoMemorySegment(dst, at * Float.BYTES, ORDER, every);
            }
        }
        for (; j < n; j++) {
            long at = dstAt + (long) j * stride;
            FloatLanes.set(dst, at, FloatLanes.get(dst, at) + FloatLanes.get(src, srcAt + j));
        }
    }

    /** The lanes {@code 0, stride, 2 stride, ...}. */
    private static VectorMask<Float> everyNth(int stride) {
        long bits = 0;
        for (int lane = 0; lane < LANES; lane += stride) {
            bits |= 1L << lane;
        }
        return VectorMask.fromLong(FloatLanes.SPECIES, bits);
    }

    /** {@code dst[0, n) += src[0, n)}: a stride-1 run of col2im. */
    private static void addRun(int n, MemorySegment src, long srcAt, MemorySegment dst, long dstAt) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            FloatVector.fromMemorySegment(SPECIES, dst, (dstAt + j) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, src, (srcAt + j) * Float.BYTES, ORDER)).intoMemorySegment(dst, (dstAt + j) * Float.BYTES, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - j);
            FloatVector.fromMemorySegment(SPECIES, dst, (dstAt + j) * Float.BYTES, ORDER, m).add(FloatVector.fromMemorySegment(SPECIES, src, (srcAt + j) * Float.BYTES, ORDER, m)).intoMemorySegment(dst, (dstAt + j) * Float.BYTES, ORDER, m);
        }
    }

    /** The first output column j with {@code j stride + dx >= 0}. */
    private static int firstValid(long dx, int stride) {
        return dx >= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.floorDiv(-dx + stride - 1, stride));
    }

    /** One past the last output column j with {@code j stride + dx < width}, at most {@code ow}. */
    private static int lastValidExclusive(long dx, int stride, int width, int ow) {
        long limit = width - dx;                     // need j stride < limit
        if (limit <= 0) {
            return 0;
        }
        return (int) Math.min(ow, Math.floorDiv(limit - 1, stride) + 1);
    }

    /** Zeros {@code n} floats; the padding columns of a row are one or two, not worth a vector. */
    private static void fillZero(MemorySegment s, long at, long n) {
        if (n < LANES) {
            for (long j = 0; j < n; j++) {
                FloatLanes.set(s, at + j, 0f);
            }
        } else {
            FloatLanes.fill(s, at, n, 0f);
        }
    }
}
