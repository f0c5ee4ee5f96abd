package dev.panamax.kernels.elementwise;

/** The elementwise arithmetic of {@link Broadcast#apply}: {@code a + b}, {@code a - b}, {@code a * b}, {@code a / b}. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV;

    /** The operation on one pair of floats: the same IEEE operation as a vector lane, so the same bits. */
    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }
}
