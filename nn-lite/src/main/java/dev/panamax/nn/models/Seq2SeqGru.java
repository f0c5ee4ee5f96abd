package dev.panamax.nn.models;

import java.lang.foreign.Arena;
import java.util.List;

import dev.panamax.nn.data.CharVocabulary;
import dev.panamax.nn.layers.Embedding;
import dev.panamax.nn.layers.GRU;
import dev.panamax.nn.layers.Block;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Recurrent;
import dev.panamax.nn.layers.RecurrentOptions;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * A GRU encoder-decoder for character sequences (Cho et al., Sutskever et al.): the encoder reads
 * the source, its final state is the decoder's initial state, and the decoder predicts the target
 * one symbol at a time. Training feeds the decoder the true previous symbol (teacher forcing);
 * {@link #greedy} feeds back its own most likely one. Layers {@code src_embed}, {@code encoder},
 * {@code tgt_embed}, {@code decoder}, {@code fc}; token ids sequence-first {@code [T, N]} with
 * per-sequence lengths.
 */
public final class Seq2SeqGru extends Block {

    private final long vocab;
    private final Embedding srcEmbed;
    private final GRU encoder;
    private final Embedding tgtEmbed;
    private final GRU decoder;
    private final Linear fc;

    public Seq2SeqGru(long vocab, long embed, long hidden, int layers) {
        this.vocab = vocab;
        RecurrentOptions o = RecurrentOptions.defaults().layers(layers);
        this.srcEmbed = child("src_embed", new Embedding(vocab, embed));
        this.encoder = child("encoder", new GRU(embed, hidden, o));
        this.tgtEmbed = child("tgt_embed", new Embedding(vocab, embed));
        this.decoder = child("decoder", new GRU(embed, hidden, o));
        this.fc = child("fc", new Linear(hidden, vocab));
    }

    /**
     * Teacher-forced logits {@code [T, N, V]} of the target, given the source {@code [S, N]} and the
     * decoder's inputs {@code [T, N]} (the boundary symbol, then the target shifted by one).
     */
    public Tensor forward(Tensor src, Tensor srcLengths, Tensor tgtIn, Tensor tgtLengths, Arena arena) {
        Recurrent.Output enc = encoder.forward(srcEmbed.forward(src, arena), null, null, srcLengths, arena);
        Recurrent.Output decoded = decoder.forward(tgtEmbed.forward(tgtIn, arena), enc.hn(), null, tgtLengths, arena);
        return fc.forward(decoded.y(), arena);
    }

    /** Accumulates every parameter's gradient; the decoder's initial-state gradient flows into the encoder. */
    public Tensor backward(Tensor gLogits, Arena arena) {
        Recurrent.Gradients dec = decoder.backward(fc.backward(gLogits, arena), null, null, arena);
        tgtEmbed.backward(dec.x(), arena);
        Recurrent.Gradients enc = encoder.backward(null, dec.h0(), null, arena);
        srcEmbed.backward(enc.x(), arena);
        return null;
    }

    /**
     * Greedy decoding of a batch of sources: at every step the most likely symbol is fed back,
     * until the boundary symbol or {@code maxLength}. Runs in evaluation mode.
     */
    public List<String> greedy(Tensor src, Tensor srcLengths, CharVocabulary symbols, int maxLength, Arena arena) {
        boolean wasTraining = isTraining();
        eval();
        try {
            int n = (int) src.size(1);
            Tensor h = encoder.forward(srcEmbed.forward(src, arena), null, null, srcLengths, arena).hn();
            Tensor tokens = Tensor.zeros(arena, DType.INT64, 1, n);
            GreedyWords words = new GreedyWords(n, symbols);
            for (int step = 0; step < maxLength; step++) {
                Recurrent.Output o = decoder.forward(tgtEmbed.forward(tokens, arena), h, null, null, arena);
                h = o.hn();
                Tensor logits = fc.forward(o.y(), arena);
                for (int i = 0; i < n; i++) {
                    tokens.setLong(words.next(i, logits.select(0, 0).select(0, i).toFloatArray()), 0, i);
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

    /** Symbols this model reads and writes. */
    public long vocabulary() {
        return vocab;
    }
}
