package dev.panamax.nn.functional;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * 2-d tensors as GEMM operands: a row-major view goes as it is; a transposed view (unit stride
 * down the rows) goes as the transpose of its storage, so {@code W.transpose(0, 1)} costs
 * nothing; anything else is copied to a contiguous matrix first. Static answers about the tensor
 * rather than a record of them: a record made per GEMM was not always kept in registers by C2
 * (two per {@code Linear} call in a batch-512 forward).
 */
final class MatrixOperand {

    private MatrixOperand() {
    }

    /** {@code t} itself when GEMM can read it in place, else a contiguous copy. */
    static Tensor readable(String name, Tensor t, Arena arena) {
        Layouts.requireRank(name, t, 2);
        Layouts.requireType(name, t, DType.FLOAT32);
        return inPlace(t) ? t : t.contiguous(arena);
    }

    /** Whether GEMM can read the matrix {@code t} where it lies. */
    static boolean inPlace(Tensor t) {
        return rowMajor(t) || transposedView(t);
    }

    /** The leading dimension of a {@link #readable} operand's memory. */
    static long ld(Tensor t) {
        return rowMajor(t) ? rowMajorLd(t) : transposedLd(t);
    }

    /**
     * The {@code trans} flag to hand to GEMM for {@code op(matrix)} of a readable operand: the
     * other one when its memory holds the transpose.
     */
    static boolean trans(Tensor t, boolean transposeMatrix) {
        return rowMajor(t) ? transposeMatrix : !transposeMatrix;
    }

    private static boolean rowMajor(Tensor t) {
        long cols = t.size(1);
        return (cols <= 1 || t.stride(1) == 1) && rowMajorLd(t) >= Math.max(1, cols);
    }

    private static long rowMajorLd(Tensor t) {
        long cols = t.size(1);
        return cols == 0 || t.size(0) <= 1 ? Math.max(1, cols) : t.stride(0);
    }

    private static boolean transposedView(Tensor t) {
        return t.size(0) > 1 && t.stride(0) == 1 && transposedLd(t) >= t.size(0);
    }

    private static long transposedLd(Tensor t) {
        return t.size(1) <= 1 ? t.size(0) : t.stride(1);
    }
}
