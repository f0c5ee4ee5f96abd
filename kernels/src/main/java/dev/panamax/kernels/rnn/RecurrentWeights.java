package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.PackedMatrixB;

/**
 * What a call prepares from the weights of one layer and direction before its time loop: the
 * recurrent weights packed for the step products, once per call instead of once per step, and
 * the two bias vectors summed where they simply add (the cells add them in their fused pass, so
 * the gate buffer never needs a pass of its own).
 */
final class RecurrentWeights {

    private RecurrentWeights() {
    }

    /**
     * {@code [G H + H]} floats at {@code at}: {@code b_ih + b_hh}, except GRU with the reset after
     * the product, where the n block is {@code b_in} alone and {@code b_hn} follows it (r scales
     * {@code W_hn h + b_hn}).
     */
    static void biases(RnnDescriptor d, MemorySegment w, long bih, long bhh, MemorySegment dst, long at) {
        int gw = d.gateWidth();
        int h = d.hiddenSize();
        int summed = d.resetAfterProduct() ? gw - h : gw;
        for (int k = 0; k < summed; k++) {
            FloatLanes.set(dst, at + k, FloatLanes.get(w, bih + k) + FloatLanes.get(w, bhh + k));
        }
        for (int k = summed; k < gw; k++) {
            FloatLanes.set(dst, at + k, FloatLanes.get(w, bih + k));
        }
        for (int k = 0; k < h; k++) {
            FloatLanes.set(dst, at + gw + k, d.resetAfterProduct() ? FloatLanes.get(w, bhh + summed + k) : 0f);
        }
    }

    /** Gate g's rows of {@code W_hh}, transposed ({@code [H, H]}), into {@code packed[g]}: the step product's B. */
    static void packForSteps(RnnDescriptor d, PackedMatrixB[] packed, MemorySegment w, long whh) {
        int h = d.hiddenSize();
        for (int g = 0; g < d.gates(); g++) {
            packed[g].pack(true, h, h, w, whh + (long) g * h * h, h);
        }
    }

    /**
     * {@code W_hh} itself ({@code [G H, H]}) for backward's {@code dG W_hh}; GRU with the reset
     * before the product: its r, z rows ({@code [2H, H]}) and its n rows ({@code [H, H]}) apart.
     */
    static void packForBackward(RnnDescriptor d, PackedMatrixB[] packed, MemorySegment w, long whh) {
        int h = d.hiddenSize();
        if (d.resetBeforeProduct()) {
            packed[0].pack(false, 2 * h, h, w, whh, h);
            packed[1].pack(false, h, h, w, whh + 2L * h * h, h);
        } else {
            packed[0].pack(false, d.gateWidth(), h, w, whh, h);
        }
    }
}
