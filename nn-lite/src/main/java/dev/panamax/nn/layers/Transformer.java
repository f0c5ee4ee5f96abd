package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * The encoder-decoder transformer, as {@code torch.nn.Transformer}: a {@link TransformerEncoder}
 * over the source and a {@link TransformerDecoder} over the target attending to the encoder's
 * output, each stack with its final layer norm, as PyTorch builds them. Parameter names are
 * PyTorch's ({@code encoder.layers.0.self_attn.in_proj_weight}, ..., {@code encoder.norm.weight},
 * {@code decoder.layers.0.multihead_attn.out_proj.bias}, ..., {@code decoder.norm.bias}), so a
 * PyTorch {@code state_dict} loads as it is. Like PyTorch's, it has no embeddings and no output
 * projection: the source and target come in as {@code [N, S, E]} and {@code [N, T, E]}
 * ({@code [S, N, E]}, {@code [T, N, E]} unless batch-first; {@code [S, E]}, {@code [T, E]} unbatched)
 * and the output is the decoder's, of the target's shape.
 */
public final class Transformer extends Block {

    /**
     * The masks of one call, as PyTorch's arguments (any may be null).
     *
     * @param src              additive {@code [S, S]} on the encoder's self-attention ({@code src_mask})
     * @param srcKeyPadding    {@code [N, S]} ({@code [S]} unbatched): int64 nonzero or float -inf marks padded
     *                         source tokens ({@code src_key_padding_mask})
     * @param tgt              additive {@code [T, T]} on the decoder's self-attention ({@code tgt_mask})
     * @param tgtKeyPadding    {@code [N, T]} ({@code [T]} unbatched): padded target tokens, hidden from the
     *                         decoder's self-attention ({@code tgt_key_padding_mask})
     * @param causalTgt        the decoder's self-attention is causal: token i sees target tokens {@code j <= i}
     *                         (what {@link #squareSubsequentMask} as {@code tgt} gives, without the mask)
     * @param memoryKeyPadding padded source tokens hidden from the decoder's cross-attention
     *                         ({@code memory_key_padding_mask}; usually the same tensor as {@code srcKeyPadding})
     */
    public record Masks(Tensor src, Tensor srcKeyPadding, Tensor tgt, Tensor tgtKeyPadding, boolean causalTgt,
                        Tensor memoryKeyPadding) {

        /** No masks at all. */
        public static Masks none() {
            return new Masks(null, null, null, null, false, null);
        }

        /** The usual training masks of a sequence-to-sequence model: a causal target, nothing else. */
        public static Masks causal() {
            return new Masks(null, null, null, null, true, null);
        }

        /**
         * A causal target with padded sequences on both sides: {@code srcPadding} hides source tokens
         * from the encoder and the decoder's cross-attention, {@code tgtPadding} target tokens from
         * the decoder's self-attention (either may be null).
         */
        public static Masks causal(Tensor srcPadding, Tensor tgtPadding) {
            return new Masks(null, srcPadding, null, tgtPadding, true, srcPadding);
        }
    }

    /** The gradients {@link #backwardAll} returns: of the source and of the target. */
    public record Gradients(Tensor src, Tensor tgt) {
    }

    private final TransformerEncoder encoder;
    private final TransformerDecoder decoder;

    /**
     * PyTorch's {@code nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers,
     * dim_feedforward, dropout, activation, ..., layer_norm_eps, batch_first, norm_first)}; its
     * defaults are {@code TransformerOptions.of(512, 8)} with 6 and 6 layers.
     */
    public Transformer(TransformerOptions options, int numEncoderLayers, int numDecoderLayers) {
        encoder = child("encoder", new TransformerEncoder(options, numEncoderLayers, true));
        decoder = child("decoder", new TransformerDecoder(options, numDecoderLayers, true));
    }

    /** The encoder stack (to run the source once and decode from its output, say). */
    public TransformerEncoder encoder() {
        return encoder;
    }

    /** The decoder stack ({@link TransformerDecoder#forwardCached} generates a token at a time). */
    public TransformerDecoder decoder() {
        return decoder;
    }

    /** The decoder's output for {@code tgt} over the encoded {@code src}, of the target's shape. */
    public Tensor forward(Tensor src, Tensor tgt, Masks masks, Arena arena) {
        Masks m = masks == null ? Masks.none() : masks;
        Tensor memory = encoder.forward(src, m.src(), m.srcKeyPadding(), false, arena);
        return decoder.forward(tgt, memory, m.tgt(), m.tgtKeyPadding(), m.memoryKeyPadding(), m.causalTgt(), arena);
    }

    /** The target's gradient; {@link #backwardAll} gives the source's too. */
    public Tensor backward(Tensor gy, Arena arena) {
        return backwardAll(gy, arena).tgt();
    }

    /**
     * Backpropagates the output's gradient through the decoder and, by the gradient of the memory,
     * through the encoder: accumulates every parameter's gradient and returns the source's and the
     * target's.
     */
    public Gradients backwardAll(Tensor gy, Arena arena) {
        TransformerDecoderLayer.Gradients g = decoder.backwardAll(gy, arena);
        return new Gradients(encoder.backward(g.memory(), arena), g.x());
    }

    /**
     * PyTorch's {@code Transformer.generate_square_subsequent_mask(n)}: {@code [n, n]}, 0 on and
     * below the diagonal, -inf above it (an additive mask that hides later tokens).
     */
    public static Tensor squareSubsequentMask(int n, Arena arena) {
        if (n < 1) {
            throw new IllegalArgumentException("the mask needs n >= 1, got " + n);
        }
        Tensor mask = Tensor.zeros(arena, n, n);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                mask.set(Float.NEGATIVE_INFINITY, i, j);
            }
        }
        return mask;
    }
}
