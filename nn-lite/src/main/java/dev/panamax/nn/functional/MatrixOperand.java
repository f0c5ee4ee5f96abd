package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * A 2-d tensor as a GEMM operand: memory, offset, leading dimension, and whether the memory
 * holds the matrix or its transpose. A row-major view goes as it is; a transposed view (unit
 * stride down the rows) goes as the transpose of its storage, so {@code W.transpose(0, 1)} costs
 * nothing; anything else is copied to a contiguous matrix first.
 */
record MatrixOperand(MemorySegment segment, long offset, long ld, boolean storedTransposed) {

    /** One allocation site, so that C2 can keep the record in registers once {@code of} is inlined. */
    static MatrixOperand of(String name, Tensor t, Arena arena) {
        Layouts.requireRank(name, t, 2);
        Layouts.requireType(name, t, DType.FLOAT32);
        long rows = t.size(0);
        long cols = t.size(1);
        long rowMajorLd = rows <= 1 ? Math.max(1, cols) : t.stride(0);
        long transposedLd = cols <= 1 ? rows : t.stride(1);
        Tensor source = t;
        long ld;
        boolean transposed = false;
        if ((cols <= 1 || t.stride(1) == 1) && rowMajorLd >= Math.max(1, cols)) {
            ld = rowMajorLd;
        } else if (rows > 1 && t.stride(0) == 1 && transposedLd >= rows) {
            ld = transposedLd;
            transposed = true;
        } else {
            source = t.contiguous(arena);
            ld = Math.max(1, cols);
        }
        return new MatrixOperand(source.segment(), source.offset(), ld, transposed);
    }

    /** The {@code trans} flag to hand to GEMM for {@code op(matrix)} with the given flag. */
    boolean trans(boolean transposeMatrix) {
        return transposeMatrix != storedTransposed;
    }
}
