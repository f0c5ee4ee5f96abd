package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.functional.Resampling;
import dev.panamax.nn.functional.Resampling.Mode;
import dev.panamax.nn.tensor.Tensor;

/**
 * Bicubic interpolation against PyTorch 1.13's {@code F.interpolate(mode="bicubic")} in float64
 * (values in {@code src/test/resources/bicubic}), forward and backward: a scale of 2 (taps past
 * both edges, clamped), a smaller output, align_corners, fractional scale factors (PyTorch steps
 * 1 / factor), the same size (the identity) and one output with align_corners.
 */
class BicubicTest {

    @Test
    void matchesPyTorch() throws IOException {
        check("scale2", null, new double[] {2, 2}, false, 6, 8);
        check("size5x3", new int[] {5, 3}, null, false, 5, 3);
        check("size5x7align", new int[] {5, 7}, null, true, 5, 7);
        check("scale1.7x0.6", null, new double[] {1.7, 0.6}, false, 5, 2);
        check("same", new int[] {3, 4}, null, false, 3, 4);
        check("size1x1align", new int[] {1, 1}, null, true, 1, 1);
    }

    @Test
    void layerAndMisuse() throws IOException {
        Map<String, float[]> v = TorchValues.read("/bicubic/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Upsample up = new Upsample(2, 2, Mode.BICUBIC, false);
            Tensor y = up.forward(Tensor.of(arena, UpsampleTest.input(), 1, 2, 3, 4), arena);
            TorchValues.assertClose("layer", y.toFloatArray(), v.get("scale2.y"), 3e-6f);
            assertThatThrownBy(() -> Resampling.checkArguments(new int[] {2, 2}, null, Mode.NEAREST, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bilinear and bicubic");
        }
    }

    private static void check(String name, int[] size, double[] factors, boolean alignCorners, int oh, int ow)
            throws IOException {
        Map<String, float[]> v = TorchValues.read("/bicubic/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, UpsampleTest.input(), 1, 2, 3, 4);
            Tensor y = Resampling.interpolate(x, size, factors, Mode.BICUBIC, alignCorners, arena);
            assertThat(y.shape()).as(name).isEqualTo(new long[] {1, 2, oh, ow});
            TorchValues.assertClose(name + " output", y.toFloatArray(), v.get(name + ".y"), 3e-6f);
            Tensor gy = Tensor.of(arena, v.get(name + ".gy"), 1, 2, oh, ow);
            TorchValues.assertClose(name + " gradient",
                    Resampling.interpolateBackward(x, gy, size, factors, Mode.BICUBIC, alignCorners, arena).toFloatArray(),
                    v.get(name + ".gx"), 3e-6f);
        }
    }
}
