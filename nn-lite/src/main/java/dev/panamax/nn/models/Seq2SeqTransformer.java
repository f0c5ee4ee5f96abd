package dev.panamax.nn.models;

import java.lang.foreign.Arena;
import java.util.List;

import dev.panamax.nn.data.CharVocabulary;
import dev.panamax.nn.layers.Embedding;
import dev.panamax.nn.layers.KvCache;
import dev.panamax.nn.layers.Block;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.LearnedPositionalEmbedding;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.TransformerDecoder;
import dev.panamax.nn.layers.TransformerDecoderLayer;
import dev.panamax.nn.layers.TransformerEncoder;
import dev.panamax.nn.layers.TransformerOptions;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * An encoder-decoder transformer for short symbol sequences (Vaswani et al.): embeddings plus
 * learned positions, a pre-norm encoder over the source (padded positions hidden by a key-padding
 * mask), a pre-norm decoder over the target (causal) attending to the encoder's memory, and a
 * linear head. Token ids batch-first {@code [N, T]}; training feeds the target shifted by one
 * (teacher forcing); {@link #greedy} generates through a {@link KvCache}, one token per step.
 */
public final class Seq2SeqTransformer extends Block {

    private final Embedding srcEmbed;
    private final Embedding tgtEmbed;
    private final LearnedPositionalEmbedding srcPos;
    private final LearnedPositionalEmbedding tgtPos;
    private final TransformerEncoder encoder;
    private final TransformerDecoder decoder;
    private final Linear head;
    private Tensor srcPadding;

    public Seq2SeqTransformer(long vocab, int maxLen, TransformerOptions options, int encoderLayers, int decoderLayers) {
        TransformerOptions o = options.batchFirst(true).normFirst(true);
        this.srcEmbed = child("src_embed", new Embedding(vocab, o.dModel()));
        this.tgtEmbed = child("tgt_embed", new Embedding(vocab, o.dModel()));
        this.srcPos = child("src_pos", new LearnedPositionalEmbedding(maxLen, o.dModel(), true,
                dev.panamax.nn.layers.Init.generator()));
        this.tgtPos = child("tgt_pos", new LearnedPositionalEmbedding(maxLen, o.dModel(), true,
                dev.panamax.nn.layers.Init.generator()));
        this.encoder = child("encoder", new TransformerEncoder(o, encoderLayers, true));
        this.decoder = child("decoder", new TransformerDecoder(o, decoderLayers, true));
        this.head = child("head", new Linear(o.dModel(), vocab));
    }

    /**
     * Teacher-forced logits {@code [N, T, V]}.
     *
     * @param src        source ids {@code [N, S]}
     * @param srcPadding {@code [N, S]} int64, nonzero at padded source positions, or null
     * @param tgtIn      the decoder's inputs {@code [N, T]} (the boundary, then the target shifted by one)
     */
    public Tensor forward(Tensor src, Tensor srcPadding, Tensor tgtIn, Arena arena) {
        this.srcPadding = srcPadding;
        Tensor mem = encoder.forward(srcPos.forward(srcEmbed.forward(src, arena), arena), null, srcPadding, false, arena);
        Tensor h = decoder.forward(tgtPos.forward(tgtEmbed.forward(tgtIn, arena), arena), mem, null, srcPadding, true, arena);
        return head.forward(h, arena);
    }

    public Tensor backward(Tensor gLogits, Arena arena) {
        TransformerDecoderLayer.Gradients g = decoder.backwardAll(head.backward(gLogits, arena), arena);
        tgtEmbed.backward(tgtPos.backward(g.x(), arena), arena);
        srcEmbed.backward(srcPos.backward(encoder.backward(g.memory(), arena), arena), arena);
        return null;
    }

    /** Greedy decoding of a batch of sources through a key/value cache, until the boundary symbol or {@code maxLength}. */
    public List<String> greedy(Tensor src, Tensor srcPadding, CharVocabulary symbols, int maxLength, Arena arena) {
        boolean wasTraining = isTraining();
        eval();
        int n = (int) src.size(0);
        try (KvCache cache = new KvCache(n, maxLength)) {
            Tensor mem = encoder.forward(srcPos.forward(srcEmbed.forward(src, arena), arena), null, srcPadding, false, arena);
            Tensor tokens = Tensor.zeros(arena, DType.INT64, n, 1);
            GreedyWords words = new GreedyWords(n, symbols);
            for (int step = 0; step < maxLength; step++) {
                Tensor h = tgtPos.forward(tgtEmbed.forward(tokens, arena), step, arena);
                Tensor logits = head.forward(decoder.forwardCached(h, mem, srcPadding, cache, arena), arena);
                for (int i = 0; i < n; i++) {
                    tokens.setLong(words.next(i, logits.select(0, i).select(0, 0).toFloatArray()), i, 0);
                }
                if (words.allEnded()) {
                    break;
                }
            }
            return words.words();
        } finally {
            train(wasTraining);
        }
    }
}
