package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * LPPool2d (p 2 with mixed signs and a 2 x 3 window; p 3 with ceil_mode, whose clipped windows
 * PyTorch scales up; p 1.5 with overlapping windows) and LPPool1d (ceil_mode) against PyTorch 1.13
 * in float64: shapes, outputs and input gradients. Values in {@code src/test/resources/lppool}.
 */
class LPPoolTest {

    @Test
    void againstPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/lppool/values.txt");
        check(new LPPool2d(2, new int[] {2, 3}, new int[] {2, 2}, false), "p2", new long[] {2, 3, 5, 7}, v);
        check(new LPPool2d(3, new int[] {2, 2}, new int[] {2, 2}, true), "p3_ceil", new long[] {2, 3, 5, 7}, v);
        check(new LPPool2d(1.5, new int[] {3, 2}, new int[] {1, 2}, false), "p1_5", new long[] {2, 3, 5, 7}, v);
        check(new LPPool1d(2, 3, 2, true), "one_d", new long[] {2, 3, 11}, v);
    }

    private static void check(Layer layer, String key, long[] shape, Map<String, float[]> v) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor y = layer.forward(Tensor.of(arena, v.get(key + ".x"), shape), arena);
            float[] s = v.get(key + ".shape");
            long[] want = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                want[i] = (long) s[i];
            }
            assertThat(y.shape()).as(key).containsExactly(want);
            TorchValues.assertClose(key, y.toFloatArray(), v.get(key + ".y"));
            Tensor gx = layer.backward(Tensor.of(arena, v.get(key + ".u"), y.shape()), arena);
            TorchValues.assertClose(key + " gradient", gx.toFloatArray(), v.get(key + ".gx"));
        }
    }
}
