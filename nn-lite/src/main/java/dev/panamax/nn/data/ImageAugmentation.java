package dev.panamax.nn.data;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.random.RandomGenerator;

/**
 * Seeded augmentation of image batches {@code [B, C, H, W]}, applied in place by the
 * {@link DataLoader}'s background thread: random horizontal flips, random crops with zero padding
 * (a shift of up to {@code pad} pixels each way, as torchvision's {@code RandomCrop(size, padding)}),
 * and small random rotations about the centre (bilinear, zero outside). Each sample draws its own
 * transform from the batch's generator, so a seed reproduces every batch.
 */
public final class ImageAugmentation implements DataLoader.BatchTransform {

    private final double flipProbability;
    private final int pad;
    private final double maxDegrees;

    private ImageAugmentation(double flipProbability, int pad, double maxDegrees) {
        this.flipProbability = flipProbability;
        this.pad = pad;
        this.maxDegrees = maxDegrees;
    }

    /** No augmentation (add some with the methods below). */
    public static ImageAugmentation none() {
        return new ImageAugmentation(0, 0, 0);
    }

    /** Flip each image left-right with probability {@code p} (not for digits or text). */
    public ImageAugmentation flip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1], got " + p);
        }
        return new ImageAugmentation(p, pad, maxDegrees);
    }

    /** Shift each image by up to {@code pad} pixels in each direction, filling with zeros. */
    public ImageAugmentation crop(int pad) {
        if (pad < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + pad);
        }
        return new ImageAugmentation(flipProbability, pad, maxDegrees);
    }

    /** Rotate each image by an angle uniform in {@code [-degrees, degrees]}. */
    public ImageAugmentation rotate(double degrees) {
        if (!(degrees >= 0 && degrees <= 180)) {
            throw new IllegalArgumentException("rotation must be in [0, 180] degrees, got " + degrees);
        }
        return new ImageAugmentation(flipProbability, pad, degrees);
    }

    @Override
    public void apply(MemorySegment x, int rows, long[] sampleShape, RandomGenerator rnd) {
        if (sampleShape.length != 3) {
            throw new IllegalArgumentException("image augmentation needs samples [C, H, W], got "
                    + java.util.Arrays.toString(sampleShape));
        }
        int c = (int) sampleShape[0];
        int h = (int) sampleShape[1];
        int w = (int) sampleShape[2];
        float[] plane = new float[h * w];
        float[] out = new float[h * w];
        for (int r = 0; r < rows; r++) {
            boolean flip = flipProbability > 0 && rnd.nextDouble() < flipProbability;
            int dy = pad == 0 ? 0 : rnd.nextInt(-pad, pad + 1);
            int dx = pad == 0 ? 0 : rnd.nextInt(-pad, pad + 1);
            double angle = maxDegrees == 0 ? 0 : Math.toRadians(rnd.nextDouble(-maxDegrees, maxDegrees));
            if (!flip && dy == 0 && dx == 0 && angle == 0) {
                continue;
            }
            for (int ch = 0; ch < c; ch++) {
                long base = ((long) r * c + ch) * h * w;
                MemorySegment.copy(x, ValueLayout.JAVA_FLOAT, base * Float.BYTES, plane, 0, h * w);
                transform(plane, out, h, w, flip, dy, dx, angle);
                MemorySegment.copy(out, 0, x, ValueLayout.JAVA_FLOAT, base * Float.BYTES, h * w);
            }
        }
    }

    /** out(i, j) = in at the inverse-mapped position: unflip, unshift, unrotate about the centre. */
    private static void transform(float[] in, float[] out, int h, int w, boolean flip, int dy, int dx, double angle) {
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                double y = i - dy;
                double xx = j - dx;
                if (angle != 0) {
                    double ry = y - cy;
                    double rx = xx - cx;
                    y = cy + cos * ry - sin * rx;
                    xx = cx + sin * ry + cos * rx;
                }
                if (flip) {
                    xx = w - 1 - xx;
                }
                out[i * w + j] = Images.sample(in, h, w, y, xx);
            }
        }
    }
}
