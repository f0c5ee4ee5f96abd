package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/**
 * {@code y = branch(x) + shortcut(x)}: a residual connection, with the identity as shortcut or a
 * projection (typically a strided 1×1 convolution and batch norm) when the branch changes the
 * shape. The activation after the sum is a separate layer, as in ResNet.
 *
 * <p>Names follow torchvision's {@code BasicBlock}: the branch's layers keep their own names
 * ({@code conv1}, {@code bn1}, ...) and the projection is {@code downsample}.
 */
public final class Residual extends Layer {

    private final Sequential branch;
    private final Layer shortcut;

    /** A residual block with the identity as shortcut. */
    public Residual(Sequential branch) {
        this(branch, null);
    }

    /** A residual block with a projection shortcut ({@code null} for the identity). */
    public Residual(Sequential branch, Layer shortcut) {
        this.branch = branch;
        this.shortcut = shortcut;
        adoptChildren(branch);
        if (shortcut != null) {
            child("downsample", shortcut);
        }
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        Tensor b = branch.forward(x, arena);
        Tensor s = shortcut == null ? x : shortcut.forward(x, arena);
        if (!b.hasShape(s.shape())) {
            throw new IllegalArgumentException(describe() + ": the branch gives " + Arrays.toString(b.shape())
                    + " but the shortcut gives " + Arrays.toString(s.shape()) + "; a projection shortcut is needed");
        }
        return Residuals.sum(b, s, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor gb = branch.backward(gy, arena);
        Tensor gs = shortcut == null ? gy : shortcut.backward(gy, arena);
        return Residuals.sum(gb, gs, arena);
    }

    @Override
    public String family() {
        return "residual block";
    }

    /** True when every child's is (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return childrenSamplesIndependent();
    }
}
