package dev.panamax.nn.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * add, sub, mul and div under broadcasting against PyTorch 1.13 in float64 (values in
 * {@code src/test/resources/arithmetic}): [2, 3, 4] + [3, 1], [4] - [2, 3, 4], [2, 1, 4] * [1, 3, 1],
 * [2, 3, 4] / [2, 1, 4], [2, 3] times a 0-d number, and a transposed (non-contiguous) [3, 4] view
 * times [4]; the results and both inputs' gradients summed back to their shapes. And exp, log,
 * sqrt, abs, neg and sign over 37 elements (two vectors and a masked tail at 16 lanes), zeros among
 * them for abs and sign. And where over three broadcast shapes, and masked_fill with -inf.
 */
class ArithmeticTest {

    private interface Forward {
        Tensor apply(Tensor a, Tensor b, Arena arena);
    }

    private interface Backward {
        Tensor[] apply(Tensor a, Tensor b, Tensor g, Arena arena);
    }

    @Test
    void broadcastingOpsAndTheirGradientsMatchPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/arithmetic/values.txt");
        check(v, "add", new long[] {2, 3, 4}, new long[] {3, 1}, Arithmetic::add, Arithmetic::addBackward);
        check(v, "sub", new long[] {4}, new long[] {2, 3, 4}, Arithmetic::sub, Arithmetic::subBackward);
        check(v, "mul", new long[] {2, 1, 4}, new long[] {1, 3, 1}, Arithmetic::mul, Arithmetic::mulBackward);
        check(v, "div", new long[] {2, 3, 4}, new long[] {2, 1, 4}, Arithmetic::div, Arithmetic::divBackward);
        check(v, "scalar", new long[] {2, 3}, new long[] {}, Arithmetic::mul, Arithmetic::mulBackward);
    }

    @Test
    void aTransposedViewIsReadThroughItsStrides() throws IOException {
        Map<String, float[]> v = TorchValues.read("/arithmetic/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor base = Tensor.of(arena, v.get("t.base"), 4, 3);
            Tensor a = base.transpose(0, 1);
            Tensor b = Tensor.of(arena, v.get("t.b"), 4);
            Tensor y = Arithmetic.mul(a, b, arena);
            assertThat(y.shape()).containsExactly(3, 4);
            TorchValues.assertClose("y", y.toFloatArray(), v.get("t.y"), 1e-6f);
            Tensor[] g = Arithmetic.mulBackward(a, b, Tensor.of(arena, v.get("t.u"), 3, 4), arena);
            assertThat(g[0].shape()).containsExactly(3, 4);
            TorchValues.assertClose("d base", g[0].transpose(0, 1).contiguous(arena).toFloatArray(), v.get("t.gbase"), 1e-6f);
            TorchValues.assertClose("d b", g[1].toFloatArray(), v.get("t.gb"), 1e-6f);
        }
    }

    private interface Unary {
        Tensor apply(Tensor x, Arena arena);
    }

    private interface UnaryBackward {
        Tensor apply(Tensor x, Tensor g, Arena arena);
    }

    @Test
    void functionsOfOneTensorMatchPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/arithmetic/unary.txt");
        Object[][] cases = {{"exp", "any", (Unary) Arithmetic::exp, (UnaryBackward) Arithmetic::expBackward},
            {"log", "pos", (Unary) Arithmetic::log, (UnaryBackward) Arithmetic::logBackward},
            {"sqrt", "pos", (Unary) Arithmetic::sqrt, (UnaryBackward) Arithmetic::sqrtBackward},
            {"abs", "any", (Unary) Arithmetic::abs, (UnaryBackward) Arithmetic::absBackward},
            {"neg", "any", (Unary) Arithmetic::neg, (UnaryBackward) (x, g, a) -> Arithmetic.negBackward(g, a)}};
        try (Arena arena = Arena.ofConfined()) {
            for (Object[] c : cases) {
                String key = (String) c[0];
                Tensor x = Tensor.of(arena, v.get((String) c[1]), 37);
                Tensor y = ((Unary) c[2]).apply(x, arena);
                TorchValues.assertClose(key + " y", y.toFloatArray(), v.get(key + ".y"), 1e-6f);
                Tensor gx = ((UnaryBackward) c[3]).apply(x, Tensor.of(arena, v.get(key + ".u"), 37), arena);
                TorchValues.assertClose(key + " d x", gx.toFloatArray(), v.get(key + ".gx"), 1e-6f);
            }
            assertThat(Arithmetic.sign(Tensor.of(arena, v.get("any"), 37), arena).toFloatArray()).containsExactly(v.get("sign.y"));
            assertThat(Arithmetic.log(Tensor.of(arena, new float[] {0f, -1f, Float.NaN}, 3), arena).toFloatArray())
                    .containsExactly(Float.NEGATIVE_INFINITY, Float.NaN, Float.NaN);
            assertThat(Arithmetic.sign(Tensor.of(arena, new float[] {-0f, Float.NaN}, 2), arena).toFloatArray())
                    .containsExactly(0f, Float.NaN);
        }
    }

    @Test
    void whereAndMaskedFillMatchPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/arithmetic/where.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor cond = longs(arena, v.get("where.cond"), 2, 1, 4);
            Tensor a = Tensor.of(arena, v.get("where.a"), 3, 1);
            Tensor b = Tensor.of(arena, v.get("where.b"), 2, 3, 4);
            Tensor y = Arithmetic.where(cond, a, b, arena);
            assertThat(y.shape()).containsExactly(2, 3, 4);
            assertThat(y.toFloatArray()).containsExactly(v.get("where.y"));
            Tensor[] g = Arithmetic.whereBackward(cond, a, b, Tensor.of(arena, v.get("where.u"), 2, 3, 4), arena);
            TorchValues.assertClose("where d a", g[0].toFloatArray(), v.get("where.ga"), 1e-6f);
            assertThat(g[1].toFloatArray()).containsExactly(v.get("where.gb"));

            Tensor x = Tensor.of(arena, v.get("fill.x"), 2, 3, 4);
            Tensor mask = longs(arena, v.get("fill.mask"), 3, 1);
            assertThat(Arithmetic.maskedFill(x, mask, Float.NEGATIVE_INFINITY, arena).toFloatArray())
                    .containsExactly(v.get("fill.y"));
            assertThat(Arithmetic.maskedFillBackward(x, mask, Tensor.of(arena, v.get("fill.u"), 2, 3, 4), arena).toFloatArray())
                    .containsExactly(v.get("fill.gx"));
            assertThatThrownBy(() -> Arithmetic.maskedFill(x, longs(arena, new float[] {1, 0}, 2), 0f, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2]");
            assertThatThrownBy(() -> Arithmetic.where(Tensor.zeros(arena, 2), a, b, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INT64");
        }
    }

    private static Tensor longs(Arena arena, float[] values, long... shape) {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (long) values[i];
        }
        return Tensor.ofLongs(arena, l, shape);
    }

    @Test
    void shapesThatDoNotBroadcastAreRefusedWithBoth() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Arithmetic.add(Tensor.zeros(arena, 2, 3), Tensor.zeros(arena, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]").hasMessageContaining("[4]");
            assertThatThrownBy(() -> Arithmetic.mulBackward(Tensor.zeros(arena, 2, 3), Tensor.zeros(arena, 3),
                    Tensor.zeros(arena, 3, 3), arena)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]");
            assertThatThrownBy(() -> Arithmetic.sumTo(Tensor.zeros(arena, 2, 3), new long[] {2}, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2]");
            assertThat(Arithmetic.broadcastShape(new long[] {5, 1, 4}, new long[] {3, 1})).containsExactly(5, 3, 4);
            assertThat(Arithmetic.add(Tensor.zeros(arena, 0, 3), Tensor.zeros(arena, 3), arena).shape()).containsExactly(0, 3);
        }
    }

    private static void check(Map<String, float[]> v, String key, long[] sa, long[] sb, Forward f, Backward back) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, v.get(key + ".a"), sa);
            Tensor b = sb.length == 0 ? Tensor.scalar(arena, v.get(key + ".b")[0]) : Tensor.of(arena, v.get(key + ".b"), sb);
            Tensor y = f.apply(a, b, arena);
            assertThat(y.shape()).as(key).containsExactly(Arithmetic.broadcastShape(sa, sb));
            TorchValues.assertClose(key + " y", y.toFloatArray(), v.get(key + ".y"), 1e-6f);
            Tensor[] g = back.apply(a, b, Tensor.of(arena, v.get(key + ".u"), y.shape()), arena);
            assertThat(g[0].shape()).as(key + " d a shape").containsExactly(sa);
            assertThat(g[1].shape()).as(key + " d b shape").containsExactly(sb);
            TorchValues.assertClose(key + " d a", g[0].toFloatArray(), v.get(key + ".ga"), 1e-6f);
            TorchValues.assertClose(key + " d b", g[1].toFloatArray(), v.get(key + ".gb"), 2e-6f);
        }
    }
}
