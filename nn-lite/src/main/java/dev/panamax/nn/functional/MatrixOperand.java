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

    static MatrixOperand of(String name, Tensor t, Arena arena) {
        Layouts.requireRank(name, t, 2);
        Layouts.requireType(name, t, DType.FLOAT32);
        long rows = t.size(0);
        long cols = t.size(1);
        if (cols <= 1 || t.stride(1) == 1) {
            long ld = rows <= 1 ? Math.max(1, cols) : t.stride(0);
            if (ld >= Math.max(1, cols)) {
                return new MatrixOperand(t.segment(), t.offset(), ld, false);
            }
        }
        if (rows > 1 && t.stride(0) == 1) {
            long ld = cols <= 1 ? rows : t.stride(1);
            if (ld >= rows) {
                return new MatrixOperand(t.segment(), t.offset(), ld, true);
            }
        }
        Tensor c = t.contiguous(arena);
        return new MatrixOperand(c.segment(), c.offset(), Math.max(1, cols), false);
    }

    /** The {@code trans} flag to hand to GEMM for {@code op(matrix)} with the given flag. */
    boolean trans(boolean transposeMatrix) {
        return transposeMatrix != storedTransposed;
    }
}
