package dev.panamax.nn.tensor;

/** Element types of a {@link Tensor}: float32 for values, int64 for labels and indices. */
public enum DType {
    FLOAT32(4, "<f4"),
    INT64(8, "<i8");

    private final int bytes;
    private final String npyDescr;

    DType(int bytes, String npyDescr) {
        this.bytes = bytes;
        this.npyDescr = npyDescr;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The NumPy {@code descr} string (little-endian). */
    public String npyDescr() {
        return npyDescr;
    }
}
