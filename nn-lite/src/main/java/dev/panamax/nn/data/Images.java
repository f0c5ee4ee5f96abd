package dev.panamax.nn.data;

/**
 * Image preprocessing for CNN inputs on {@code [N, C, H, W]} float arrays: per-channel
 * normalization, histogram equalization and bilinear resizing.
 */
public final class Images {

    private Images() {
    }

    /** {@code (x - mean[c]) / std[c]} per channel, in place, as torchvision's {@code Normalize}. */
    public static void normalize(float[] images, int n, int c, int h, int w, float[] mean, float[] std) {
        if (mean.length != c || std.length != c) {
            throw new IllegalArgumentException("need one mean and one std per channel (" + c + ")");
        }
        int plane = h * w;
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (i * c + ch) * plane;
                for (int k = 0; k < plane; k++) {
                    images[base + k] = (images[base + k] - mean[ch]) / std[ch];
                }
            }
        }
    }

    /** Per-channel mean and population std over all images: {@code [mean..., std...]}. */
    public static float[][] channelStatistics(float[] images, int n, int c, int h, int w) {
        double[] sum = new double[c];
        double[] sq = new double[c];
        int plane = h * w;
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (i * c + ch) * plane;
                for (int k = 0; k < plane; k++) {
                    sum[ch] += images[base + k];
                    sq[ch] += (double) images[base + k] * images[base + k];
                }
            }
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        double count = (double) n * plane;
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = (float) (sum[ch] / count);
            std[ch] = (float) Math.sqrt(Math.max(0, sq[ch] / count - (sum[ch] / count) * (sum[ch] / count)));
        }
        return new float[][] {mean, std};
    }

    /**
     * Histogram equalization of each plane, in place, for values in [0, 1] quantized to
     * {@code levels} grey levels: each value maps to its level's cumulative share,
     * {@code (cdf(v) - cdf_min) / (count - cdf_min)}, spreading the used levels over [0, 1].
     */
    public static void equalizeHistogram(float[] images, int planes, int h, int w, int levels) {
        int plane = h * w;
        int[] hist = new int[levels];
        for (int p = 0; p < planes; p++) {
            java.util.Arrays.fill(hist, 0);
            int base = p * plane;
            for (int k = 0; k < plane; k++) {
                hist[level(images[base + k], levels)]++;
            }
            int cdfMin = 0;
            for (int l = 0; l < levels && cdfMin == 0; l++) {
                cdfMin = hist[l];
            }
            int[] cdf = new int[levels];
            int run = 0;
            for (int l = 0; l < levels; l++) {
                run += hist[l];
                cdf[l] = run;
            }
            if (plane == cdfMin) {
                continue;                                      // a constant plane stays as it is
            }
            for (int k = 0; k < plane; k++) {
                images[base + k] = (float) (cdf[level(images[base + k], levels)] - cdfMin) / (plane - cdfMin);
            }
        }
    }

    private static int level(float v, int levels) {
        return Math.max(0, Math.min(levels - 1, Math.round(v * (levels - 1))));
    }

    /**
     * Bilinear resize of {@code [planes, h, w]} to {@code [planes, outH, outW]}, with pixel centres
     * aligned as PyTorch's {@code interpolate(mode="bilinear", align_corners=False)}.
     */
    public static float[] resize(float[] images, int planes, int h, int w, int outH, int outW) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + outH + " x " + outW);
        }
        float[] out = new float[planes * outH * outW];
        double sy = (double) h / outH;
        double sx = (double) w / outW;
        float[] plane = new float[h * w];
        for (int p = 0; p < planes; p++) {
            System.arraycopy(images, p * h * w, plane, 0, h * w);
            for (int i = 0; i < outH; i++) {
                double y = Math.max(0, (i + 0.5) * sy - 0.5);
                for (int j = 0; j < outW; j++) {
                    double x = Math.max(0, (j + 0.5) * sx - 0.5);
                    out[(p * outH + i) * outW + j] = clampedSample(plane, h, w, y, x);
                }
            }
        }
        return out;
    }

    /** Bilinear sample at (y, x); positions outside the image read as 0. */
    static float sample(float[] plane, int h, int w, double y, double x) {
        int y0 = (int) Math.floor(y);
        int x0 = (int) Math.floor(x);
        double fy = y - y0;
        double fx = x - x0;
        return (float) ((1 - fy) * ((1 - fx) * at(plane, h, w, y0, x0) + fx * at(plane, h, w, y0, x0 + 1))
                + fy * ((1 - fx) * at(plane, h, w, y0 + 1, x0) + fx * at(plane, h, w, y0 + 1, x0 + 1)));
    }

    /** Bilinear sample with edges clamped (for resizing). */
    private static float clampedSample(float[] plane, int h, int w, double y, double x) {
        int y0 = Math.min((int) y, h - 1);
        int x0 = Math.min((int) x, w - 1);
        int y1 = Math.min(y0 + 1, h - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double fy = y - y0;
        double fx = x - x0;
        return (float) ((1 - fy) * ((1 - fx) * plane[y0 * w + x0] + fx * plane[y0 * w + x1])
                + fy * ((1 - fx) * plane[y1 * w + x0] + fx * plane[y1 * w + x1]));
    }

    private static double at(float[] plane, int h, int w, int y, int x) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0 : plane[y * w + x];
    }
}
