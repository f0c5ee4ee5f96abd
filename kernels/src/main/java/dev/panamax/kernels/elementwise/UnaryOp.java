package dev.panamax.kernels.elementwise;

/**
 * The elementwise functions of {@link Unary#apply}, as {@code torch.exp}, {@code log},
 * {@code sqrt}, {@code abs}, {@code neg} and {@code sign} (0 at ±0; NaN for NaN, where
 * PyTorch 1.13's CPU kernel gives 0).
 */
public enum UnaryOp {
    EXP, LOG, SQRT, ABS, NEG, SIGN
}
