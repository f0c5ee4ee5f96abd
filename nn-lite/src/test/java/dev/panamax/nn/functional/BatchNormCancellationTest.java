package dev.panamax.nn.functional;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * Batch norm's training gradients where they are a small difference of large terms, against
 * PyTorch 1.13 in float64 (values in {@code src/test/resources/batchnorm}): two values per
 * channel (the input gradient is 6e-5 from terms of about 5), and values near 1000 spread by
 * 0.05 (where {@code sum(gy x) - mean sum(gy)} cancels three digits). Each must err by at most
 * twice what PyTorch's own float32 computation errs on the same inputs.
 */
class BatchNormCancellationTest {

    @ParameterizedTest
    @ValueSource(strings = {"two", "offset"})
    void asAccurateAsPyTorchInFloat32(String key) throws IOException {
        Map<String, float[]> v = TorchValues.read("/batchnorm/cancellation.txt");
        long[] shape = TorchValues.shape(v, key + ".shape");
        long c = shape[1];
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, v.get(key + ".x"), shape);
            Tensor w = Tensor.of(arena, v.get(key + ".w"), c);
            Tensor b = Tensor.of(arena, v.get(key + ".b"), c);
            Normalization.Saved saved = Normalization.batchNorm(x, w, b, null, null, true, 0.1f, 1e-5f, arena);
            Normalization.Grads g = Normalization.batchNormBackward(x, w, true, saved,
                    Tensor.of(arena, v.get(key + ".gy"), shape), true, arena);
            check(key + " gx", g.x().toFloatArray(), v.get(key + ".gx"), v.get(key + ".f32_gx"));
            check(key + " gw", g.weight().toFloatArray(), v.get(key + ".gw"), v.get(key + ".f32_gw"));
        }
    }

    private static void check(String what, float[] got, float[] want, float[] pytorchFloat32) {
        double ours = 0;
        double theirs = 0;
        for (int i = 0; i < want.length; i++) {
            ours = Math.max(ours, Math.abs((double) got[i] - want[i]));
            theirs = Math.max(theirs, Math.abs((double) pytorchFloat32[i] - want[i]));
        }
        assertThat(ours).as("%s: largest error %s, PyTorch's float32 %s", what, ours, theirs)
                .isLessThanOrEqualTo(2 * theirs + 1e-7 * maxAbs(want));
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float f : a) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }
}
