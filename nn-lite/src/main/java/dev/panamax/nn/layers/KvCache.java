package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.IdentityHashMap;
import java.util.Map;

import dev.panamax.nn.tensor.Tensor;

/**
 * The keys and values that attention layers have already computed for the tokens of a sequence
 * being generated, so that the next token costs one step of every layer instead of a pass over
 * the whole prefix. Each self-attention layer appends its new tokens' keys and values and attends
 * over everything cached (causally, the new queries aligned to the end); each cross-attention
 * layer projects the encoder's memory once. Results equal a full causal forward of the prefix.
 *
 * <p>A cache belongs to one batch of sequences ({@code batch}) and holds up to {@code capacity}
 * tokens; it owns its memory until {@link #close()}. Inference only (no backward through it).
 */
public final class KvCache implements AutoCloseable {

    /**
     * One attention layer's cache: for self-attention its keys and values, heads
     * {@code [N, H, capacity, headDim]}, and how many tokens they hold; for cross-attention the
     * memory's projected keys and values {@code [N S, 2 E]}, made once per sequence.
     */
    static final class Entry {
        Tensor keys;
        Tensor values;
        int length;
        Tensor memory;
    }

    private final Arena arena = Arena.ofShared();
    private final int batch;
    private final int capacity;
    private final Map<Layer, Entry> entries = new IdentityHashMap<>();

    public KvCache(int batch, int capacity) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("a cache needs batch >= 1 and capacity >= 1, got " + batch + " and " + capacity);
        }
        this.batch = batch;
        this.capacity = capacity;
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /** Tokens cached so far (by the self-attention layers; all advance together). */
    public int length() {
        for (Entry e : entries.values()) {
            if (e.keys != null) {
                return e.length;
            }
        }
        return 0;
    }

    /** Forgets every token (the memory is kept for the next sequence of the same batch size). */
    public void reset() {
        entries.values().forEach(e -> {
            e.length = 0;
            e.memory = null;
        });
    }

    /** The self-attention entry of {@code layer}, its buffers made on first use. */
    Entry selfEntry(Layer layer, int heads, int headDim) {
        Entry e = entries.computeIfAbsent(layer, unused -> new Entry());
        if (e.keys == null) {
            e.keys = Tensor.zeros(arena, batch, heads, capacity, headDim);
            e.values = Tensor.zeros(arena, batch, heads, capacity, headDim);
        }
        return e;
    }

    /** The cross-attention entry of {@code layer}. */
    Entry crossEntry(Layer layer) {
        return entries.computeIfAbsent(layer, unused -> new Entry());
    }

    /** The memory the cache's own tensors live in (they outlive every step). */
    Arena arena() {
        return arena;
    }

    @Override
    public void close() {
        entries.clear();
        arena.close();
    }
}
