package dev.panamax.kernels.norm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Local response normalisation across channels (AlexNet's, as {@code torch.nn.LocalResponseNorm}):
 * for {@code x [N, C, M]} (M the positions, contiguous),
 * {@code y_c = x_c / (k + alpha / size * S_c)^beta} with {@code S_c} the sum of {@code x^2} over
 * channels {@code c - size/2 .. c + (size-1)/2} (those beyond the edges count as zeros, and the
 * mean always divides by {@code size}, as PyTorch's padded average pool does).
 *
 * <p>Loops run over positions innermost, so each channel's row is read as a contiguous run; the
 * window sums are recomputed per channel (windows are a handful of channels; a running sum would
 * drift).
 */
public final class LocalResponseNorm {

    private LocalResponseNorm() {
    }

    /** {@code y = lrn(x)} for {@code [n, c, m]} contiguous. */
    public static void forward(long n, long c, long m, MemorySegment x, long xOff, int size, float alpha, float beta, float k,
                               MemorySegment y, long yOff) {
        check(n, c, m, size, x, xOff);
        Checks.floats("y", y, yOff, Checks.elements(n, c, m));
        if (Checks.elements(n, c, m) == 0) {
            return;                                   // no elements: no loop over empty images or rows
        }
        double scale = (double) alpha / size;
        for (long img = 0; img < n; img++) {
            long base = img * c * m;
            for (long ch = 0; ch < c; ch++) {
                for (long p = 0; p < m; p++) {
                    double d = k + scale * windowSquares(x, xOff + base + p, c, m, ch, size);
                    FloatLanes.set(y, yOff + base + ch * m + p,
                            (float) (FloatLanes.get(x, xOff + base + ch * m + p) * Math.pow(d, -beta)));
                }
            }
        }
    }

    /**
     * The input gradient: {@code gx_j = gy_j d_j^-beta - (2 alpha beta / size) x_j * sum over the
     * channels c whose window holds j of gy_c x_c d_c^(-beta-1)}.
     *
     * @param work {@code [c, m]} floats of scratch (one image's {@code gy x d^(-beta-1)})
     */
    public static void backward(long n, long c, long m, MemorySegment x, long xOff, MemorySegment gy, long gyOff, int size,
                                float alpha, float beta, float k, MemorySegment work, long wOff, MemorySegment gx, long gxOff) {
        check(n, c, m, size, x, xOff);
        long total = Checks.elements(n, c, m);
        Checks.floats("gy", gy, gyOff, total);
        Checks.floats("gx", gx, gxOff, total);
        Checks.floats("work", work, wOff, Checks.elements(c, m));
        if (total == 0) {
            return;
        }
        double scale = (double) alpha / size;
        double coefficient = 2.0 * alpha * beta / size;
        long below = (size - 1) / 2;                      // channel j is in the window of c - size/2 .. c + (size-1)/2
        long above = size / 2;
        for (long img = 0; img < n; img++) {
            long base = img * c * m;
            for (long ch = 0; ch < c; ch++) {
                for (long p = 0; p < m; p++) {
                    long at = base + ch * m + p;
                    double d = k + scale * windowSquares(x, xOff + base + p, c, m, ch, size);
                    double q = FloatLanes.get(gy, gyOff + at) * FloatLanes.get(x, xOff + at) * Math.pow(d, -beta - 1);
                    FloatLanes.set(work, wOff + ch * m + p, (float) q);
                }
            }
            for (long j = 0; j < c; j++) {
                long from = Math.max(0, j - below);
                long to = Math.min(c - 1, j + above);
                for (long p = 0; p < m; p++) {
                    long at = base + j * m + p;
                    double d = k + scale * windowSquares(x, xOff + base + p, c, m, j, size);
                    double sum = 0;
                    for (long ch = from; ch <= to; ch++) {
                        sum += FloatLanes.get(work, wOff + ch * m + p);
                    }
                    double g = FloatLanes.get(gy, gyOff + at) * Math.pow(d, -beta)
                            - coefficient * FloatLanes.get(x, xOff + at) * sum;
                    FloatLanes.set(gx, gxOff + at, (float) g);
                }
            }
        }
    }

    /** The sum of squares over channel {@code ch}'s window at one position ({@code at}: channel 0's element there). */
    private static double windowSquares(MemorySegment x, long at, long c, long m, long ch, int size) {
        long from = Math.max(0, ch - size / 2);
        long to = Math.min(c - 1, ch + (size - 1) / 2);
        double s = 0;
        for (long i = from; i <= to; i++) {
            double v = FloatLanes.get(x, at + i * m);
            s += v * v;
        }
        return s;
    }

    private static void check(long n, long c, long m, int size, MemorySegment x, long xOff) {
        Checks.nonNegative("batch", n);
        Checks.nonNegative("channels", c);
        Checks.nonNegative("positions", m);
        Checks.positive("size", size);
        Checks.floats("x", x, xOff, Checks.elements(n, c, m));
    }
}
