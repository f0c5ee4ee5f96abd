package dev.panamax.kernels.conv;

/**
 * A way to compute a convolution, a transposed convolution, or one of their gradients: what a
 * {@link Conv2dPlan} or {@link ConvTranspose2dPlan} names for each pass. Not every algorithm
 * applies to every shape or pass; the plans say which ({@code applies}) and refuse the others by
 * name when forced.
 */
public enum ConvAlgorithm {
    /** One filter per channel, direct loops over zero-padded planes ({@link DepthwiseConv2d}). */
    DEPTHWISE,
    /** Direct register-blocked loops for few channels ({@link DirectConv2d}). */
    DIRECT,
    /** GEMM on the image itself: only a 1 x 1, stride-1, unpadded convolution. */
    POINTWISE_GEMM,
    /**
     * GEMMs that read the padded image where it lies instead of a column matrix
     * ({@link ImplicitConv2d}): the forward pass through a packing that gathers the image's
     * shifted rows, the input gradient as the forward convolution of dy with the flipped kernel,
     * the weight gradient as one GEMM per tap over the image read from the tap's offset. Stride 1.
     */
    IMPLICIT_GEMM,
    /**
     * Winograd's F(2 x 2, 3 x 3) ({@link WinogradConv2d}): 16 GEMMs over transformed tiles, 2.25
     * times fewer multiply-adds than the direct sum. A 3 x 3 kernel, stride 1, no dilation; the
     * input gradient only with a padding of at most 2.
     */
    WINOGRAD,
    /** im2col in bounded chunks and GEMM ({@link Im2colConvolution}): any shape. */
    IM2COL_GEMM,
    /**
     * A strided transposed convolution's forward pass as one stride-1 convolution per output
     * phase ({@link SubPixelConvTranspose2d}): no col2im scatter. Only that pass of a
     * {@link ConvTranspose2dPlan} with a stride above 1.
     */
    SUB_PIXEL
}
