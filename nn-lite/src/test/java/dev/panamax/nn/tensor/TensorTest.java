package dev.panamax.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void viewsShareMemoryAndCopyNothing() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
            assertThat(t.segment().address() % Tensor.ALIGNMENT).isZero();
            Tensor tt = t.transpose(0, 1);
            assertThat(tt.shape()).containsExactly(3, 2);
            assertThat(tt.isContiguous()).isFalse();
            assertThat(tt.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
            tt.set(42f, 2, 1);
            assertThat(t.get(1, 2)).isEqualTo(42f);
            Tensor col = t.select(1, 1);
            assertThat(col.toFloatArray()).containsExactly(1, 4);
            Tensor s = t.slice(1, 1, 3);
            assertThat(s.shape()).containsExactly(2, 2);
            assertThat(s.toFloatArray()).containsExactly(1, 2, 4, 42);
            Tensor c = tt.contiguous(arena);
            assertThat(c.isContiguous()).isTrue();
            assertThat(c.segment()).isNotSameAs(t.segment());
            assertThat(t.view(-1).shape()).containsExactly(6);
            assertThat(t.view(3, -1).shape()).containsExactly(3, 2);
            assertThat(t.contiguous(arena)).isSameAs(t);
        }
    }

    @Test
    void emptyViewsAreContiguousAndReadAsNothingEvenPastTheirMemorysEnd() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
            Tensor none = t.slice(0, 2, 2).slice(1, 1, 2);          // would start at 7, past the six floats
            assertThat(none.isContiguous()).isTrue();
            assertThat(none.toFloatArray()).isEmpty();
            Tensor own = none.contiguous(arena);
            assertThat(own.shape()).containsExactly(0, 1);
            assertThat(own.offset()).isZero();
            own.copyFrom(none);
            assertThat(Tensor.zeros(arena, 2, 0, 4).view(0, 8).shape()).containsExactly(0, 8);
        }
    }

    @Test
    void negativeIndicesCountFromTheEndAsInPyTorch() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
            assertThat(t.select(0, -1).toFloatArray()).containsExactly(3, 4, 5);
            assertThat(t.select(1, -3).toFloatArray()).containsExactly(0, 3);
            assertThat(t.slice(1, -2, 3).toFloatArray()).containsExactly(1, 2, 4, 5);
            assertThat(t.slice(1, 0, -1).toFloatArray()).containsExactly(0, 1, 3, 4);
            assertThatThrownBy(() -> t.select(0, -3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[-2, 2)");
            assertThatThrownBy(() -> t.slice(1, 1, 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<= 3");
            assertThatThrownBy(() -> t.slice(1, -4, 2)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void unsqueezeAndSqueezeAreViewsWithPyTorchsStrides() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
            Tensor front = t.unsqueeze(0);
            assertThat(front.shape()).containsExactly(1, 2, 3);
            assertThat(front.strides()).containsExactly(6, 3, 1);     // torch.zeros(2, 3).unsqueeze(0).stride()
            assertThat(front.isContiguous()).isTrue();
            assertThat(t.unsqueeze(-1).shape()).containsExactly(2, 3, 1);
            assertThat(t.unsqueeze(-1).strides()).containsExactly(3, 1, 1);
            assertThat(t.unsqueeze(1).strides()).containsExactly(3, 3, 1);
            Tensor tt = t.transpose(0, 1).unsqueeze(1);               // strides follow the view's, not row-major
            assertThat(tt.shape()).containsExactly(3, 1, 2);
            assertThat(tt.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
            front.set(42f, 0, 1, 2);
            assertThat(t.get(1, 2)).isEqualTo(42f);
            assertThat(front.squeeze(0).shape()).containsExactly(2, 3);
            assertThat(front.squeeze(0).strides()).containsExactly(3, 1);
            assertThat(t.squeeze(0)).isSameAs(t);                     // size 2: nothing to squeeze, as in PyTorch
            assertThatThrownBy(() -> t.unsqueeze(3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[-3, 2]");
            assertThatThrownBy(() -> t.squeeze(2)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void misuseFailsClearly() {
        Arena arena = Arena.ofConfined();
        Tensor t = Tensor.zeros(arena, 2, 3);
        assertThatThrownBy(() -> t.view(4, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds 8 elements, the tensor has 6");
        assertThatThrownBy(() -> t.transpose(0, 1).view(6)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("contiguous");
        assertThatThrownBy(() -> t.get(2, 0)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("index 2 out of range [0, 2) for dim 0");
        assertThatThrownBy(() -> t.get(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 2 entries");
        assertThatThrownBy(() -> Tensor.of(arena, new float[5], 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape holds 6 elements, data has 5");
        assertThatThrownBy(() -> t.getLong(0, 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("FLOAT32");
        assertThatThrownBy(() -> t.size(2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dim must be in [-2, 1]");
        assertThatThrownBy(() -> t.permute(0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repeats");
        arena.close();
        assertThatThrownBy(() -> t.get(0, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stepArenaZerosAreZeroWhenAStepDiffersFromTheLast() {
        try (StepArena step = new StepArena(1 << 12)) {
            for (int round = 0; round < 3; round++) {
                step.reset();
                Tensor.empty(step, 200).fill(7f);                          // a different first request each round
                Tensor z = Tensor.zeros(step, round + 1, 50);
                assertThat(z.toFloatArray()).as("round " + round).containsOnly(0f);
                z.fill(9f);
                Tensor.empty(step, 300).fill(5f);                          // grows past the first block
            }
        }
    }

    @Test
    void anArenaThatReusesTensorsHandsBackTheSameObjectsAndRevivesTheirViews() {
        try (StepArena step = StepArena.reusingTensors()) {
            Tensor a = Tensor.empty(step, 2, 3).fill(1f);
            Tensor flat = a.view(6);
            Tensor b = Tensor.zeros(step, 4);
            step.reset();
            Tensor a2 = Tensor.empty(step, 2, 3);
            assertThat(a2).as("the same request, the same tensor").isSameAs(a);
            assertThat(flat.toFloatArray()).as("a view of a revived tensor lives again").containsOnly(1f);
            Tensor c = Tensor.zeros(step, 5);                   // differs from last step's second request
            assertThat(c).isNotSameAs(b);
            assertThatThrownBy(b::toFloatArray).as("a tensor whose request did not repeat is dead")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("used after reset()");
            Tensor out = step.handOut(a2);
            assertThat(out.toFloatArray()).containsOnly(1f);
            step.reset();
            assertThat(Tensor.empty(step, 2, 3)).isSameAs(a);
            assertThatThrownBy(out::toFloatArray).as("a handed-out tensor dies at the next reset even so")
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> step.handOut(Tensor.zeros(Arena.ofAuto(), 1))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aTensorReshapedTheSameWayAgainHandsBackItsLastViewAndAnyOtherShapeANewOne() {
        try (StepArena step = StepArena.reusingTensors()) {
            Tensor a = Tensor.empty(step, 2, 3, 4);
            for (int i = 0; i < 24; i++) {
                a.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, i);
            }
            Tensor rows = a.view(-1, 4);
            assertThat(a.view(-1, 4)).isSameAs(rows);
            assertThat(a.view(new long[] {-1, 4})).as("the varargs form finds it too").isSameAs(rows);
            Tensor cube = a.view(4, 3, 2);
            assertThat(cube.shape()).containsExactly(4, 3, 2);
            assertThat(a.view(4, 3, 2)).isSameAs(cube);
            Tensor other = a.view(6, 4);                      // the same shape asked for without -1: a view of its own
            assertThat(other).isNotSameAs(rows);
            assertThat(other.shape()).containsExactly(6, 4);
            assertThat(a.view(-1, 4).toFloatArray()).isEqualTo(a.toFloatArray());
            Tensor middle = a.slice(2, 1, 3);
            assertThat(a.slice(2, 1, 3)).isSameAs(middle);
            assertThat(a.slice(2, 1, -1)).as("the same columns asked for otherwise: a slice of its own").isNotSameAs(middle);
            assertThat(a.slice(1, 1, 3)).isNotSameAs(middle);
            assertThat(middle.toFloatArray()).containsExactly(1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22);
            for (long rows2 = 1; rows2 <= 24; rows2++) {    // many shapes later the first views are made again
                if (24 % rows2 == 0) {
                    assertThat(a.view(rows2, -1).shape()).containsExactly(rows2, 24 / rows2);
                }
            }
            assertThat(a.view(-1, 4)).isNotSameAs(rows);
            assertThat(a.slice(2, 1, 3)).isNotSameAs(middle).satisfies(t -> assertThat(t.toFloatArray())
                    .isEqualTo(middle.toFloatArray()));
            Tensor like = Tensor.zeros(step, 3, 8);
            Tensor asLike = a.viewAs(like);
            assertThat(asLike.shape()).containsExactly(3, 8);
            assertThat(a.viewAs(like)).isSameAs(asLike);
            assertThat(asLike.get(2, 7)).isEqualTo(23f);
            assertThatThrownBy(() -> a.view(5, -1)).isInstanceOf(IllegalArgumentException.class);
            assertThat(a.view(3, 8)).as("a refused shape leaves the last view as it was").isSameAs(asLike);
            assertThatThrownBy(() -> a.transpose(0, 2).view(-1, 4)).isInstanceOf(IllegalStateException.class);
            step.reset();
            Tensor again = Tensor.empty(step, 2, 3, 4);
            assertThat(again).isSameAs(a);
            assertThat(again.view(3, 8)).as("next step, the recycled tensor's view is the same object")
                    .isSameAs(asLike);
            assertThat(asLike.get(2, 7)).isEqualTo(23f);
            assertThat(a.hasTrailingShape(3, 4)).isTrue();
            assertThat(a.hasTrailingShape(2, 3, 4)).isTrue();
            assertThat(a.hasTrailingShape()).isTrue();
            assertThat(a.hasTrailingShape(4, 4)).isFalse();
            assertThat(a.hasTrailingShape(1, 2, 3, 4)).isFalse();
        }
    }

    @Test
    void fixedRankFactoriesMatchTheVarargsOnes() {
        try (StepArena step = new StepArena(); Arena arena = Arena.ofConfined()) {
            for (Arena a : new Arena[] {step, arena}) {
                assertThat(Tensor.empty(a, 3).shape()).containsExactly(3);
                assertThat(Tensor.zeros(a, 3, 4).shape()).containsExactly(3, 4);
                assertThat(Tensor.empty(a, 2, 3, 4).strides()).containsExactly(12, 4, 1);
                Tensor z = Tensor.zeros(a, 1, 2, 3, 4);
                assertThat(z.shape()).containsExactly(1, 2, 3, 4);
                assertThat(z.toFloatArray()).containsOnly(0f);
                assertThat(Tensor.zerosLike(a, z).sameShape(z)).isTrue();
                assertThat(Tensor.emptyLike(a, z.transpose(1, 3)).shape()).containsExactly(1, 4, 3, 2);
            }
            Tensor first = Tensor.empty(step, 2, 3);
            Tensor second = Tensor.empty(step, 2, 5);
            assertThat(first.shape()).as("the arena's scratch shape is not shared with a tensor").containsExactly(2, 3);
            assertThat(second.shape()).containsExactly(2, 5);
        }
    }

    @Test
    void scalarsAndLongs() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor s = Tensor.scalar(arena, 2.5f);
            assertThat(s.rank()).isZero();
            assertThat(s.numel()).isEqualTo(1);
            assertThat(s.item()).isEqualTo(2.5f);
            Tensor l = Tensor.ofLongs(arena, new long[] {7, -1}, 2);
            assertThat(l.getLong(1)).isEqualTo(-1);
            assertThat(l.toLongArray()).containsExactly(7, -1);
            assertThat(Tensor.zeros(arena, 0, 3).numel()).isZero();
        }
    }
}
