package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * SqueezeExcitation(4, 2) against torchvision's, written out in PyTorch 1.13 float64 (values in
 * {@code src/test/resources/squeezeexcitation}): torchvision's parameter names, the output, the
 * input's gradient through both of its paths, and the four parameter gradients; one image
 * unbatched gives the batch's first output.
 */
class SqueezeExcitationTest {

    @Test
    void matchesTorchvisionsGate() throws IOException {
        Map<String, float[]> v = TorchValues.read("/squeezeexcitation/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            SqueezeExcitation se = new SqueezeExcitation(4, 2);
            assertThat(se.stateDict()).containsOnlyKeys("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias");
            se.stateDict().forEach((name, t) -> t.copyFrom(Tensor.of(arena, v.get(name), t.shape())));
            Tensor x = Tensor.of(arena, v.get("x"), 2, 4, 3, 3);
            Tensor y = se.forward(x, arena);
            assertThat(y.shape()).containsExactly(2, 4, 3, 3);
            TorchValues.assertClose("y", y.toFloatArray(), v.get("y"), 2e-6f);
            Tensor gx = se.backward(Tensor.of(arena, v.get("u"), 2, 4, 3, 3), arena);
            TorchValues.assertClose("d x", gx.toFloatArray(), v.get("gx"), 2e-6f);
            for (Map.Entry<String, Parameter> p : se.namedParameters().entrySet()) {
                TorchValues.assertClose("d " + p.getKey(), p.getValue().grad().toFloatArray(), v.get("g." + p.getKey()), 2e-6f);
            }
            Tensor one = se.forward(x.select(0, 0), arena);
            assertThat(one.shape()).containsExactly(4, 3, 3);
            float[] first = new float[36];
            System.arraycopy(v.get("y"), 0, first, 0, 36);
            TorchValues.assertClose("y of one image", one.toFloatArray(), first, 2e-6f);
        }
    }
}
