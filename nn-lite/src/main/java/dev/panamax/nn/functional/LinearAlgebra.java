package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.activation.ActivationForward;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.kernels.gemm.RowBias;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.kernels.gemm.SgemmBatched;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Matrix products on 2-d tensors, forward and backward: the general {@code gemm}, the
 * {@code linear} layer's {@code x W^T + b} ({@code torch.nn.functional.linear}), the bilinear
 * form {@code x1 W x2^T + b} ({@code torch.nn.functional.bilinear}) and {@code torch.matmul} over
 * batches of matrices with broadcasting. Views are used in place where GEMM can read them (see
 * {@link MatrixOperand}).
 */
public final class LinearAlgebra {

    private LinearAlgebra() {
    }

    /** Gradients of {@link #gemm}: of A, B and C (C's is null when there was no C). */
    public record GemmGrads(Tensor a, Tensor b, Tensor c) {
    }

    /** Gradients of {@link #linear}: of the input, the weight and the bias (null without bias). */
    public record LinearGrads(Tensor x, Tensor weight, Tensor bias) {

        /** {@code previous} when it holds these very tensors (a reusing arena's steady state), else a new record. */
        static LinearGrads of(Tensor x, Tensor weight, Tensor bias, LinearGrads previous) {
            return previous != null && previous.x == x && previous.weight == weight && previous.bias == bias
                    ? previous : new LinearGrads(x, weight, bias);
        }
    }

    /** Gradients of {@link #bilinear}: of both inputs, the weight and the bias (null without bias). */
    public record BilinearGrads(Tensor x1, Tensor x2, Tensor weight, Tensor bias) {
    }

    /**
     * {@code alpha op(a) op(b) + beta c} as a new {@code [M, N]} tensor; {@code c} may be null
     * (then beta is ignored).
     */
    public static Tensor gemm(Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta, Tensor c,
                              Arena arena) {
        long[] mnk = dims(a, transA, b, transB);
        Tensor y = Tensor.zeros(arena, mnk[0], mnk[1]);
        if (c != null) {
            Layouts.requireShape("c", c, mnk[0], mnk[1]);
            y.copyFrom(c);
        }
        product(a, transA, b, transB, alpha, c == null ? 0f : beta, y, arena);
        return y;
    }

    /** The gradients of {@link #gemm} for the upstream gradient {@code g [M, N]}. */
    public static GemmGrads gemmBackward(Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta,
                                        boolean hasC, Tensor g, Arena arena) {
        long[] mnk = dims(a, transA, b, transB);
        Layouts.requireShape("g", g, mnk[0], mnk[1]);
        Tensor ga = Tensor.zerosLike(arena, a);
        Tensor gb = Tensor.zerosLike(arena, b);
        // d op(A) = alpha g op(B)^T; stored transposed, dA = alpha op(B) g^T
        if (transA) {
            product(b, transB, g, true, alpha, 0f, ga, arena);
        } else {
            product(g, false, b, !transB, alpha, 0f, ga, arena);
        }
        // d op(B) = alpha op(A)^T g; stored transposed, dB = alpha g^T op(A)
        if (transB) {
            product(g, true, a, transA, alpha, 0f, gb, arena);
        } else {
            product(a, !transA, g, false, alpha, 0f, gb, arena);
        }
        Tensor gc = null;
        if (hasC) {
            gc = g.copy(arena);                                  // dC = beta g
            Blas1.sscal(gc.numel(), beta, gc.segment(), 0);
        }
        return new GemmGrads(ga, gb, gc);
    }

    /** {@code y = x weight^T + bias}: x {@code [N, in]}, weight {@code [out, in]}, bias {@code [out]} or null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, Arena arena) {
        return linear(x, weight, bias, false, arena);
    }

    /**
     * {@code relu(linear(x, weight, bias))} with the bias and the ReLU in one pass over y, for
     * inference: the values of {@link #linear} then {@code relu}, bit for bit.
     */
    public static Tensor linearRelu(Tensor x, Tensor weight, Tensor bias, Arena arena) {
        return linear(x, weight, bias, true, arena);
    }

    private static Tensor linear(Tensor x, Tensor weight, Tensor bias, boolean relu, Arena arena) {
        checkLinear(x, weight, bias);
        Tensor y = Tensor.empty(arena, x.size(0), weight.size(0));
        product(x, false, weight, true, 1f, 0f, y, arena);
        Tensor b = bias == null ? null : bias.contiguous(arena);
        if (b != null && relu) {
            RowBias.addRelu(y.size(0), y.size(1), b.segment(), b.offset(), y.segment(), 0);
        } else if (b != null) {
            RowBias.add(y.size(0), y.size(1), b.segment(), b.offset(), y.segment(), 0);
        } else if (relu) {
            ActivationForward.apply(Activation.RELU, y.segment(), 0, 1, y.segment(), 0, 1, y.numel());   // in place
        }
        return y;
    }

    /** The gradients of {@link #linear} for the upstream gradient {@code g [N, out]}. */
    public static LinearGrads linearBackward(Tensor x, Tensor weight, boolean hasBias, Tensor g, Arena arena) {
        return linearBackward(x, weight, hasBias, g, true, arena);
    }

    /** The gradients of {@link #linear}; without {@code inputGradient}, {@code LinearGrads.x()} is null. */
    public static LinearGrads linearBackward(Tensor x, Tensor weight, boolean hasBias, Tensor g, boolean inputGradient,
                                             Arena arena) {
        return linearBackward(x, weight, hasBias, g, inputGradient, null, arena);
    }

    /**
     * {@link #linearBackward(Tensor, Tensor, boolean, Tensor, boolean, Arena)}, returning
     * {@code previous} again when it holds this call's gradients, as it does in a steady-state
     * step of a {@link dev.panamax.nn.tensor.StepArena#reusingTensors()} arena (so that such a
     * step allocates nothing).
     */
    public static LinearGrads linearBackward(Tensor x, Tensor weight, boolean hasBias, Tensor g, boolean inputGradient,
                                             LinearGrads previous, Arena arena) {
        checkLinear(x, weight, null);
        Layouts.requireShape("g", g, x.size(0), weight.size(0));
        Tensor gx = inputGradient ? Tensor.emptyLike(arena, x) : null;
        Tensor gw = Tensor.emptyLike(arena, weight);
        if (inputGradient) {
            product(g, false, weight, false, 1f, 0f, gx, arena);     // dX = g W
        }
        product(g, true, x, false, 1f, 0f, gw, arena);           // dW = g^T x
        Tensor gb = null;
        if (hasBias) {
            Tensor gd = g.contiguous(arena);
            gb = Tensor.empty(arena, weight.size(0));
            RowBias.sumRows(gd.size(0), gd.size(1), gd.segment(), gd.offset(), gb.segment(), 0);
        }
        return LinearGrads.of(gx, gw, gb, previous);
    }

    /**
     * The matrix product of {@code torch.matmul}: for 2-d a {@code [M, K]} and b {@code [K, N]},
     * {@code [M, N]}; dimensions before the last two are batch dimensions, broadcast against each
     * other (a {@code [J, 1, M, K]} times b {@code [L, K, N]} is {@code [J, L, M, N]}); a 1-d a is a
     * row {@code [1, K]} and a 1-d b a column {@code [K, 1]}, that dimension dropped from the result
     * (two vectors give their dot product, 0-d). Each product is one GEMM call, and the batch
     * runs through the batched GEMM; a transposed view ({@code k.transpose(-2, -1)}) is read where
     * it lies.
     */
    public static Tensor matmul(Tensor a, Tensor b, Arena arena) {
        Operands o = operands(a, b);
        Tensor out = Tensor.empty(arena, o.shape(o.m, o.n));
        batchedProduct(broadcastMatrices("a", o.a, o.batch, arena), false, broadcastMatrices("b", o.b, o.batch, arena), false,
                o.batch, out);
        return out.view(resultShape(a, b, o));
    }

    /**
     * The gradients of {@link #matmul} for the upstream gradient {@code g} of its result's shape:
     * {@code [d a, d b]}, each {@code g op(other)^T} per matrix and summed over the batch
     * dimensions its input was broadcast along.
     */
    public static Tensor[] matmulBackward(Tensor a, Tensor b, Tensor g, Arena arena) {
        Operands o = operands(a, b);
        long[] result = resultShape(a, b, o);
        if (!g.hasShape(result)) {
            throw new IllegalArgumentException("the gradient must have the product's shape " + Arrays.toString(result)
                    + ", got " + Arrays.toString(g.shape()));
        }
        Layouts.requireType("g", g, DType.FLOAT32);
        Tensor gm = g.contiguous(arena).view(o.shape(o.m, o.n));
        Tensor x = broadcastMatrices("a", o.a, o.batch, arena);
        Tensor y = broadcastMatrices("b", o.b, o.batch, arena);
        Tensor ga = Tensor.empty(arena, o.shape(o.m, o.k));
        batchedProduct(gm, false, y, true, o.batch, ga);           // dA = g B^T
        Tensor gb = Tensor.empty(arena, o.shape(o.k, o.n));
        batchedProduct(x, true, gm, false, o.batch, gb);           // dB = A^T g
        return new Tensor[] {Arithmetic.sumTo(ga, o.a.shape(), arena).view(a.shape()),
            Arithmetic.sumTo(gb, o.b.shape(), arena).view(b.shape())};
    }

    /** matmul's operands as matrices ({@code [.., M, K]} and {@code [.., K, N]}) and their batch shape. */
    private record Operands(Tensor a, Tensor b, long[] batch, long m, long k, long n) {

        /** The batch shape followed by {@code rows, cols}. */
        long[] shape(long rows, long cols) {
            long[] s = Arrays.copyOf(batch, batch.length + 2);
            s[batch.length] = rows;
            s[batch.length + 1] = cols;
            return s;
        }
    }

    private static Operands operands(Tensor a, Tensor b) {
        Layouts.requireType("a", a, DType.FLOAT32);
        Layouts.requireType("b", b, DType.FLOAT32);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("matmul needs tensors of at least one dimension, got "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
        Tensor am = a.rank() == 1 ? a.unsqueeze(0) : a;
        Tensor bm = b.rank() == 1 ? b.unsqueeze(1) : b;
        long m = am.size(-2);
        long k = am.size(-1);
        long n = bm.size(-1);
        if (bm.size(-2) != k) {
            throw new IllegalArgumentException("matmul: a " + Arrays.toString(a.shape()) + " has " + k
                    + " columns but b " + Arrays.toString(b.shape()) + " has " + bm.size(-2) + " rows");
        }
        long[] batch = Arithmetic.broadcastShape(Arrays.copyOf(am.shape(), am.rank() - 2), Arrays.copyOf(bm.shape(), bm.rank() - 2));
        return new Operands(am, bm, batch, m, k, n);
    }

    /** The batch shape and {@code [M, N]}, without M for a 1-d a and without N for a 1-d b. */
    private static long[] resultShape(Tensor a, Tensor b, Operands o) {
        long[] full = o.shape(o.m, o.n);
        int drop = (a.rank() == 1 ? 1 : 0) + (b.rank() == 1 ? 1 : 0);
        long[] out = Arrays.copyOf(full, full.length - drop);
        if (a.rank() == 1 && b.rank() != 1) {
            out[out.length - 1] = o.n;
        }
        return out;
    }

    /**
     * {@code t [.., rows, cols]} seen with the batch shape in front, read again along the batch
     * dimensions it lacks or has as 1; copied first only when GEMM cannot read its matrices.
     */
    private static Tensor broadcastMatrices(String name, Tensor t, long[] batch, Arena arena) {
        long rows = t.size(-2);
        long cols = t.size(-1);
        Tensor first = Tensor.wrap(DType.FLOAT32, t.segment(), t.offset(), new long[] {rows, cols},
                new long[] {t.stride(-2), t.stride(-1)});
        Tensor readable = MatrixOperand.inPlace(first) ? t : t.contiguous(arena);
        long[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = rows;
        full[batch.length + 1] = cols;
        return Layouts.broadcast(name, readable, full);
    }

    /**
     * {@code out[i] = op(x[i]) op(y[i])} for every index i of {@code batch}: x and y of rank
     * {@code batch.length + 2}, their matrices GEMM-readable, read through their batch strides (0
     * where broadcast); out contiguous. Batch dimensions that step alike through all three are
     * merged, and the innermost goes to the batched GEMM in one call.
     */
    private static void batchedProduct(Tensor x, boolean tx, Tensor y, boolean ty, long[] batch, Tensor out) {
        int nb = batch.length;
        long m = out.size(-2);
        long n = out.size(-1);
        long k = tx ? x.size(-2) : x.size(-1);
        Tensor x0 = Tensor.wrap(DType.FLOAT32, x.segment(), x.offset(), new long[] {x.size(-2), x.size(-1)},
                new long[] {x.stride(-2), x.stride(-1)});
        Tensor y0 = Tensor.wrap(DType.FLOAT32, y.segment(), y.offset(), new long[] {y.size(-2), y.size(-1)},
                new long[] {y.stride(-2), y.stride(-1)});
        long[] dims = new long[Math.max(1, nb)];
        long[] sx = new long[dims.length];
        long[] sy = new long[dims.length];
        long[] so = new long[dims.length];
        int r = 0;
        for (int d = 0; d < nb; d++) {
            if (batch[d] == 1) {
                continue;
            }
            long xs = x.stride(d);
            long ys = y.stride(d);
            long os = out.stride(d);
            if (r > 0 && sx[r - 1] == xs * batch[d] && sy[r - 1] == ys * batch[d] && so[r - 1] == os * batch[d]) {
                dims[r - 1] *= batch[d];
                sx[r - 1] = xs;
                sy[r - 1] = ys;
                so[r - 1] = os;
            } else {
                dims[r] = batch[d];
                sx[r] = xs;
                sy[r] = ys;
                so[r] = os;
                r++;
            }
        }
        if (r == 0) {
            dims[0] = 1;
            r = 1;
        }
        products(0, r, dims, sx, sy, so, MatrixOperand.trans(x0, tx), MatrixOperand.ld(x0), x, x.offset(),
                MatrixOperand.trans(y0, ty), MatrixOperand.ld(y0), y, y.offset(), out, out.offset(), m, n, k);
    }

    private static void products(int d, int rank, long[] dims, long[] sx, long[] sy, long[] so, boolean ta, long lda, Tensor x,
                                 long xo, boolean tb, long ldb, Tensor y, long yo, Tensor out, long oo, long m, long n, long k) {
        if (d < rank - 1) {
            for (long i = 0; i < dims[d]; i++) {
                products(d + 1, rank, dims, sx, sy, so, ta, lda, x, xo + i * sx[d], tb, ldb, y, yo + i * sy[d], out,
                        oo + i * so[d], m, n, k);
            }
        } else if (dims[d] == 1) {
            Gemm.sgemm(ta, tb, Math.toIntExact(m), Math.toIntExact(n), Math.toIntExact(k), 1f, x.segment(), xo, lda,
                    y.segment(), yo, ldb, 0f, out.segment(), oo, Math.max(1, n));
        } else {
            SgemmBatched.sgemm(ta, tb, Math.toIntExact(m), Math.toIntExact(n), Math.toIntExact(k), 1f, x.segment(), xo, lda,
                    sx[d], y.segment(), yo, ldb, sy[d], 0f, out.segment(), oo, Math.max(1, n), so[d], Math.toIntExact(dims[d]));
        }
    }

    /**
     * {@code y[n, o] = sum_ij x1[n, i] weight[o, i, j] x2[n, j] + bias[o]}, as
     * {@code torch.nn.functional.bilinear}: x1 {@code [N, in1]}, x2 {@code [N, in2]}, weight
     * {@code [out, in1, in2]}, bias {@code [out]} or null; y {@code [N, out]}.
     *
     * <p>One GEMM does the work: {@code V = x2 W^T}, W viewed as {@code [out in1, in2]}, gives
     * {@code V[n, o, i] = sum_j W[o, i, j] x2[n, j]}, and then each sample's {@code y[n] = V[n] x1[n]}
     * is a product of {@code [out, in1]} by a vector ({@code N out in1} multiply-adds against the
     * GEMM's {@code N out in1 in2}).
     */
    public static Tensor bilinear(Tensor x1, Tensor x2, Tensor weight, Tensor bias, Arena arena) {
        checkBilinear(x1, x2, weight, bias);
        long n = x1.size(0);
        long out = weight.size(0);
        Tensor y = Tensor.empty(arena, n, out);
        Tensor v = rowsOfWeightTimesX2(x2, weight, arena);
        perSample(v, false, x1, y, arena);
        if (bias != null) {
            Tensor b = bias.contiguous(arena);
            RowBias.add(n, out, b.segment(), b.offset(), y.segment(), 0);
        }
        return y;
    }

    /**
     * The gradients of {@link #bilinear} for the upstream gradient {@code g [N, out]}. With
     * {@code G[n, o, i] = g[n, o] x1[n, i]}: {@code dx2 = G W}, {@code dW = G^T x2} (W and G viewed as
     * {@code [out in1, in2]} and {@code [N, out in1]}), and {@code dx1[n] = g[n] V[n]} with V as in
     * the forward, computed again rather than kept.
     */
    public static BilinearGrads bilinearBackward(Tensor x1, Tensor x2, Tensor weight, boolean hasBias, Tensor g,
                                                 Arena arena) {
        checkBilinear(x1, x2, weight, null);
        long n = x1.size(0);
        long out = weight.size(0);
        long in1 = weight.size(1);
        long in2 = weight.size(2);
        Layouts.requireShape("g", g, n, out);
        Tensor gc = g.contiguous(arena);
        Tensor c1 = x1.contiguous(arena);
        Tensor w = weight.contiguous(arena).view(out * in1, in2);
        // G[n] = g[n]^T x1[n], one [out, 1] x [1, in1] product per sample
        Tensor outer = Tensor.empty(arena, n, out * in1);
        SgemmBatched.sgemm(false, false, Math.toIntExact(out), Math.toIntExact(in1), 1, 1f, gc.segment(), gc.offset(), 1, out,
                c1.segment(), c1.offset(), Math.max(1, in1), in1, 0f, outer.segment(), 0, Math.max(1, in1), out * in1,
                Math.toIntExact(n));
        Tensor gx2 = Tensor.empty(arena, n, in2);
        product(outer, false, w, false, 1f, 0f, gx2, arena);
        Tensor gw = Tensor.empty(arena, out * in1, in2);
        product(outer, true, x2, false, 1f, 0f, gw, arena);
        Tensor gx1 = Tensor.empty(arena, n, in1);
        perSample(rowsOfWeightTimesX2(x2, weight, arena), true, gc, gx1, arena);
        Tensor gb = null;
        if (hasBias) {
            gb = Tensor.empty(arena, out);
            RowBias.sumRows(n, out, gc.segment(), gc.offset(), gb.segment(), 0);
        }
        return new BilinearGrads(gx1, gx2, gw.view(out, in1, in2), gb);
    }

    /** {@code V = x2 W^T} with W viewed as {@code [out in1, in2]}: {@code [N, out in1]}. */
    private static Tensor rowsOfWeightTimesX2(Tensor x2, Tensor weight, Arena arena) {
        long out = weight.size(0);
        long in1 = weight.size(1);
        Tensor v = Tensor.empty(arena, x2.size(0), out * in1);
        product(x2, false, weight.contiguous(arena).view(out * in1, weight.size(2)), true, 1f, 0f, v, arena);
        return v;
    }

    /**
     * For each sample n, with {@code V[n]} the {@code [out, in1]} block of row n of {@code v}:
     * {@code y[n] = V[n] x[n]} (x {@code [N, in1]}, y {@code [N, out]}), or with {@code transposed}
     * {@code y[n] = x[n] V[n]} (x {@code [N, out]}, y {@code [N, in1]}). One batched GEMM of
     * single-row products; y contiguous.
     */
    private static void perSample(Tensor v, boolean transposed, Tensor x, Tensor y, Arena arena) {
        int n = Math.toIntExact(y.size(0));
        int cols = Math.toIntExact(y.size(1));
        int depth = Math.toIntExact(x.size(1));
        Tensor xc = x.contiguous(arena);
        // y[n] (1 x cols) = x[n] (1 x depth) op(V[n]), V[n] [out, in1] row-major: y = V x reads it
        // transposed ([cols, depth]), y = x V as it is ([depth, cols])
        SgemmBatched.sgemm(false, !transposed, 1, cols, depth, 1f, xc.segment(), xc.offset(), Math.max(1, depth), depth,
                v.segment(), v.offset(), Math.max(1, transposed ? cols : depth), v.size(1), 0f, y.segment(), y.offset(),
                Math.max(1, cols), cols, n);
    }

    private static void checkBilinear(Tensor x1, Tensor x2, Tensor weight, Tensor bias) {
        Layouts.requireRank("x1", x1, 2);
        Layouts.requireRank("x2", x2, 2);
        Layouts.requireRank("weight", weight, 3);
        Layouts.requireType("x1", x1, DType.FLOAT32);
        Layouts.requireType("x2", x2, DType.FLOAT32);
        Layouts.requireType("weight", weight, DType.FLOAT32);
        if (x1.size(0) != x2.size(0)) {
            throw new IllegalArgumentException("x1 and x2 must hold the same number of samples, got "
                    + Arrays.toString(x1.shape()) + " and " + Arrays.toString(x2.shape()));
        }
        if (x1.size(1) != weight.size(1) || x2.size(1) != weight.size(2)) {
            throw new IllegalArgumentException("weight " + Arrays.toString(weight.shape()) + " expects x1 [N, "
                    + weight.size(1) + "] and x2 [N, " + weight.size(2) + "], got " + Arrays.toString(x1.shape())
                    + " and " + Arrays.toString(x2.shape()));
        }
        if (bias != null) {
            Layouts.requireShape("bias", bias, weight.size(0));
            Layouts.requireType("bias", bias, DType.FLOAT32);
        }
    }

    /** {@code out = alpha op(a) op(b) + beta out} with {@code out} contiguous. */
    private static void product(Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta, Tensor out,
                                Arena arena) {
        checkInner(a, transA, b, transB);
        long m = transA ? a.size(1) : a.size(0);
        long n = transB ? b.size(0) : b.size(1);
        long k = transA ? a.size(0) : a.size(1);
        Tensor ra = MatrixOperand.readable("a", a, arena);
        Tensor rb = MatrixOperand.readable("b", b, arena);
        Gemm.sgemm(MatrixOperand.trans(ra, transA), MatrixOperand.trans(rb, transB), Math.toIntExact(m), Math.toIntExact(n),
                Math.toIntExact(k), alpha, ra.segment(), ra.offset(), MatrixOperand.ld(ra), rb.segment(), rb.offset(),
                MatrixOperand.ld(rb), beta, out.segment(), out.offset(), Math.max(1, n));
    }

    /** {@code [M, N, K]} of {@code op(a) op(b)}, failing on mismatched inner dimensions. */
    private static long[] dims(Tensor a, boolean transA, Tensor b, boolean transB) {
        checkInner(a, transA, b, transB);
        return new long[] {transA ? a.size(1) : a.size(0), transB ? b.size(0) : b.size(1), transA ? a.size(0) : a.size(1)};
    }

    /** Fails unless a and b are matrices whose inner dimensions of {@code op(a) op(b)} agree. */
    private static void checkInner(Tensor a, boolean transA, Tensor b, boolean transB) {
        Layouts.requireRank("a", a, 2);
        Layouts.requireRank("b", b, 2);
        long m = transA ? a.size(1) : a.size(0);
        long k = transA ? a.size(0) : a.size(1);
        long kb = transB ? b.size(1) : b.size(0);
        long n = transB ? b.size(0) : b.size(1);
        if (k != kb) {
            throw new IllegalArgumentException("inner dimensions differ: op(a) is " + m + " x " + k + " (a "
                    + Arrays.toString(a.shape()) + (transA ? ", transposed" : "") + "), op(b) is " + kb + " x " + n
                    + " (b " + Arrays.toString(b.shape()) + (transB ? ", transposed" : "") + ")");
        }
    }

    private static void checkLinear(Tensor x, Tensor weight, Tensor bias) {
        Layouts.requireRank("x", x, 2);
        Layouts.requireRank("weight", weight, 2);
        Layouts.requireType("x", x, DType.FLOAT32);
        if (x.size(1) != weight.size(1)) {
            throw new IllegalArgumentException("x has " + x.size(1) + " features (shape " + Arrays.toString(x.shape())
                    + ") but weight expects " + weight.size(1) + " (shape " + Arrays.toString(weight.shape()) + ")");
        }
        if (bias != null) {
            Layouts.requireShape("bias", bias, weight.size(0));
        }
    }
}
