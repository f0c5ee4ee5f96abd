package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;

import dev.panamax.nn.layers.InferenceMode;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.tensor.Tensor;

/** The check shared by the inference-fusion tests. */
final class FusedInference {

    private FusedInference() {
    }

    /**
     * In {@link InferenceMode}, {@code net}'s forward (which fuses what it can) gives the same
     * bits as its layers run one by one; returns those values.
     */
    static float[] assertFusedForwardIsLayerByLayer(Sequential net, Tensor x, Arena arena) {
        float[] oneByOne;
        float[] fused;
        try (var scope = InferenceMode.enter()) {
            Tensor h = x;
            for (Layer l : net.layers()) {
                h = l.forward(h, arena);
            }
            oneByOne = h.toFloatArray();
            fused = net.forward(x, arena).toFloatArray();
        }
        assertThat(fused).containsExactly(oneByOne);
        return oneByOne;
    }
}
