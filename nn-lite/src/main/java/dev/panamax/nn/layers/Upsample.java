package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Resampling;
import dev.panamax.nn.functional.Resampling.Mode;
import dev.panamax.nn.tensor.Tensor;

/**
 * Resizing of images, as {@code torch.nn.Upsample}: to a fixed size or by scale factors, nearest,
 * bilinear or bicubic ({@code align_corners} optional), {@code [N, C, H, W]} or one image's
 * {@code [C, H, W]}. The decoder half of U-Nets and feature pyramids.
 */
public final class Upsample extends Layer {

    private final int[] size;
    private final double[] scaleFactor;
    private final Mode mode;
    private final boolean alignCorners;
    private Tensor x;
    /** Whether the last forward's input was one image, {@code [C, H, W]} (PyTorch's unbatched input). */
    private boolean unbatched;

    private Upsample(int[] size, double[] scaleFactor, Mode mode, boolean alignCorners) {
        this.size = size;
        this.scaleFactor = scaleFactor;
        this.mode = mode;
        this.alignCorners = alignCorners;
    }

    /** By {@code factor} in height and width, as {@code Upsample(scale_factor=factor, mode=...)}. */
    public Upsample(double factor, Mode mode) {
        this(factor, factor, mode, false);
    }

    /** By scale factors, {@code alignCorners} for bilinear and bicubic only. */
    public Upsample(double factorH, double factorW, Mode mode, boolean alignCorners) {
        this(null, new double[] {factorH, factorW}, mode, alignCorners);
        check();
    }

    /** To {@code height x width}, as {@code Upsample(size=(height, width), mode=...)}. */
    public static Upsample toSize(int height, int width, Mode mode, boolean alignCorners) {
        Upsample u = new Upsample(new int[] {height, width}, null, mode, alignCorners);
        u.check();
        return u;
    }

    private void check() {
        Resampling.checkArguments(size, scaleFactor, mode, alignCorners);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, -1, -1, -1);
        Tensor batch = asBatch(x, single);
        Tensor y = Resampling.interpolate(batch, size, scaleFactor, mode, alignCorners, arena);
        this.x = batch;
        this.unbatched = single;
        return asSample(y, single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return asSample(Resampling.interpolateBackward(saved(x), asBatch(gy, unbatched), size, scaleFactor, mode,
                alignCorners, arena), unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(" + (size != null ? "size=" + Arrays.toString(size) : "scale_factor=" + Arrays.toString(scaleFactor))
                + ", mode=" + mode.name().toLowerCase(java.util.Locale.ROOT) + (alignCorners ? ", align_corners=True" : "") + ")";
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
