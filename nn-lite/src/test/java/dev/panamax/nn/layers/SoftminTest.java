package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/** Softmin along the last dimension: output and input gradient against torch.nn.Softmin 1.13 in float64. */
class SoftminTest {

    @Test
    void matchesPyTorch() {
        try (Arena arena = Arena.ofConfined()) {
            Softmax softmin = Softmax.softmin(1);
            Tensor x = Tensor.of(arena, new float[] {0.5f, -1f, 2f, 0f, 3f, 3f, -2f, 1f}, 2, 4);
            TorchValues.assertClose("softmin", softmin.forward(x, arena).toFloatArray(), new float[] {0.135988916f,
                0.609460038f, 0.0303432286f, 0.224207818f, 0.00633704666f, 0.00633704666f, 0.940501113f, 0.0468247932f});
            Tensor gy = Tensor.of(arena, new float[] {1f, -2f, 0.5f, 0.25f, 0.3f, 0.1f, -1f, 2f}, 2, 4);
            TorchValues.assertClose("softmin gradient", softmin.backward(gy, arena).toFloatArray(), new float[] {-0.273569934f,
                0.602324729f, -0.0458700889f, -0.282884706f, -0.00725158837f, -0.00598417904f, 0.146420309f, -0.133184542f});
        }
    }
}
