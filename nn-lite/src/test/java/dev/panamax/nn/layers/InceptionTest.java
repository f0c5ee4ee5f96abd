package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.models.Models;
import dev.panamax.nn.tensor.Tensor;

class InceptionTest {

    private static final InceptionBlock.Channels CHANNELS = new InceptionBlock.Channels(4, 3, 5, 2, 3, 2);

    @Test
    void namesAreTorchvisionsInceptionModule() {
        InceptionBlock block = new InceptionBlock(6, CHANNELS);
        List<String> want = new ArrayList<>();
        for (String unit : List.of("branch1", "branch2.0", "branch2.1", "branch3.0", "branch3.1", "branch4.1")) {
            want.add(unit + ".conv.weight");
            for (String bn : List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked")) {
                want.add(unit + ".bn." + bn);
            }
        }
        assertThat(block.stateDict().keySet()).containsExactlyInAnyOrderElementsOf(want);
        assertThat(block.stateDict().get("branch3.1.conv.weight").shape()).containsExactly(3, 2, 5, 5);
        assertThat(block.stateDict().get("branch4.1.conv.weight").shape()).containsExactly(2, 6, 1, 1);
        InceptionBlock factorized = new InceptionBlock(6, CHANNELS, InceptionBlock.Factorization.ASYMMETRIC, false);
        assertThat(factorized.stateDict().get("branch2.1.0.conv.weight").shape()).containsExactly(5, 3, 1, 3);
        assertThat(factorized.stateDict().get("branch2.1.1.conv.weight").shape()).containsExactly(5, 5, 3, 1);
        assertThat(factorized.stateDict().get("branch3.2.1.conv.bias").shape()).containsExactly(3);
        assertThat(CHANNELS.out()).isEqualTo(4 + 5 + 3 + 2);
    }

    /** The block equals its four branches built separately, run one by one and concatenated by hand. */
    @Test
    void aBlockIsTheConcatenationOfItsBranches() {
        for (InceptionBlock.Factorization f : InceptionBlock.Factorization.values()) {
            try (Arena arena = Arena.ofConfined()) {
                Init.manualSeed(3);
                InceptionBlock block = new InceptionBlock(6, CHANNELS, f, true);
                Map<String, Block> parts = block.children();
                Tensor x = random(arena, 1, 3, 6, 7, 5);
                Tensor y = block.forward(x, arena);
                assertThat(y.shape()).containsExactly(3, CHANNELS.out(), 7, 5);
                Tensor gy = random(arena, 2, y.shape());
                Tensor gx = block.backward(gy, arena).copy(arena);

                // the same branches again, fresh layers with the block's weights, outside any Concat
                Init.manualSeed(3);
                InceptionBlock twin = new InceptionBlock(6, CHANNELS, f, true);
                twin.loadStateDict(block.stateDict());
                float[] want = new float[(int) y.numel()];
                float[] wantGx = new float[(int) x.numel()];
                long hw = 7 * 5;
                long c0 = 0;
                for (Block child : twin.children().values()) {
                    Layer branch = (Layer) child;
                    Tensor b = branch.forward(x, arena);
                    long cb = b.size(1);
                    float[] bv = b.toFloatArray();
                    Tensor gb = Tensor.zeros(arena, b.shape());
                    for (long n = 0; n < 3; n++) {
                        for (long c = 0; c < cb; c++) {
                            for (long i = 0; i < hw; i++) {
                                long at = (n * CHANNELS.out() + c0 + c) * hw + i;
                                want[(int) at] = bv[(int) ((n * cb + c) * hw + i)];
                                gb.set(gy.toFloatArray()[(int) at], n, c, i / 5, i % 5);
                            }
                        }
                    }
                    float[] g = branch.backward(gb, arena).toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        wantGx[i] += g[i];
                    }
                    c0 += cb;
                }
                assertThat(c0).isEqualTo(CHANNELS.out());
                assertThat(parts.keySet()).containsExactly("branch1", "branch2", "branch3", "branch4");
                assertThat(y.toFloatArray()).as(f.toString()).containsExactly(want);
                float[] got = gx.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i]).as("%s dx[%d]", f, i).isCloseTo(wantGx[i], org.assertj.core.data.Offset.offset(1e-5f));
                }
                Map<String, Tensor> grads = new java.util.LinkedHashMap<>();
                twin.namedParameters().forEach((k, p) -> grads.put(k, p.grad()));
                block.namedParameters().forEach((k, p) -> assertThat(p.grad().toFloatArray()).as(k)
                        .containsExactly(grads.get(k).toFloatArray()));
            }
        }
    }

    @Test
    void concatChecksItsBranchesAndSkipsTheInputGradientWhenNotNeeded() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = random(arena, 4, 2, 3, 4, 4);
            Concat bad = new Concat().add("a", new Conv2d(3, 2, 3, 1, 1)).add("b", new Conv2d(3, 2, 3, 1, 0));
            assertThatThrownBy(() -> bad.forward(x, arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensor 1 is FLOAT32 [2, 2, 2, 2], which does not match tensor 0's FLOAT32 [2, 2, 4, 4] outside dimension 1");
            assertThatThrownBy(() -> new Concat().forward(x, arena)).hasMessageContaining("no branches");
            Concat last = new Concat(-1).add(new Flatten()).add(new Sequential(new Flatten(), new Linear(48, 5)));
            Tensor y = last.forward(x, arena);
            assertThat(y.shape()).containsExactly(2, 53);
            assertThat(y.slice(1, 0, 48).toFloatArray()).containsExactly(x.toFloatArray());
            Sequential model = new Sequential().add("cat", new Concat().add(new Conv2d(3, 2, 1)).add(new Conv2d(3, 1, 1)))
                    .requireInputGradient(false);
            Tensor out = model.forward(x, arena);
            assertThat(model.backward(Tensor.zeros(arena, out.shape()), arena)).isNull();
        }
    }

    @Test
    void theDemoNetworkMapsDigitsToTenLogits() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential net = Models.inception(10);
            assertThat(net.forward(random(arena, 5, 2, 1, 28, 28), arena).shape()).containsExactly(2, 10);
        }
    }

    private static Tensor random(Arena arena, long seed, long... shape) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[(int) Tensor.product(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return Tensor.of(arena, v, shape);
    }
}
