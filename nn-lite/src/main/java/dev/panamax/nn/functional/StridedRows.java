package dev.panamax.nn.functional;

/**
 * Walks the rows (all dimensions but the last) of tensors of one shape, giving each tensor's
 * element offset of the row's first element, so that a 1-d strided kernel can run per row.
 */
final class StridedRows {

    /** Receives, per row, one offset per tensor and the row length. */
    interface RowAction {
        void row(long[] offsets, long length);
    }

    private StridedRows() {
    }

    static void forEach(long[] shape, RowAction action, long[]... strides) {
        int rank = shape.length;
        long length = rank == 0 ? 1 : shape[rank - 1];
        long rows = 1;
        for (int d = 0; d < rank - 1; d++) {
            rows *= shape[d];
        }
        if (rows == 0 || length == 0) {
            return;
        }
        long[] index = new long[Math.max(0, rank - 1)];
        long[] offsets = new long[strides.length];
        for (long r = 0; r < rows; r++) {
            for (int t = 0; t < strides.length; t++) {
                long o = 0;
                for (int d = 0; d < index.length; d++) {
                    o += index[d] * strides[t][d];
                }
                offsets[t] = o;
            }
            action.row(offsets, length);
            for (int d = index.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
    }
}
