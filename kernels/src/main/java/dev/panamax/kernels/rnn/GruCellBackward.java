package dev.panamax.kernels.rnn;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of a GRU step backward, from the saved activated gates (see {@link GruCellForward}).
 * With {@code dh = dy + dh_next} and {@code h = n + z (h_prev - n)}:
 * <pre>
 *   dn = dh (1 - z) (1 - n^2),   dz = dh (h_prev - n) z (1 - z),   dh_prev = dh z + (recurrent products)
 * </pre>
 * Reset after the product ({@link #resetAfter}): {@code dr = dn (W_hn h + b_hn) r (1 - r)}, and the
 * recurrent product's gradient differs from the input projection's in the n block, {@code dn r}:
 * two gate-gradient rows are written. Reset before the product: {@link #resetBefore} writes dn, dz
 * and the direct term; once the driver has formed {@code d(r h) = dn W_hn}, {@link #resetGradient}
 * adds {@code dr = d(r h) h_prev r (1 - r)} and {@code d(r h) r} to dh_prev.
 */
final class GruCellBackward {

    private GruCellBackward() {
    }

    /**
     * Reset after the product.
     *
     * @param s      activated gates {@code [3H]} at {@code gates}, {@code W_hn h + b_hn} at {@code hn},
     *               the previous state at {@code hPrev}
     * @param dh     the gradient reaching h from later; may be the same floats as {@code dhPrev}
     * @param w      where the input-side gate gradients ({@code [3H]} at {@code dGx}), the recurrent-side
     *               ones ({@code dGh}) and the direct part of dh_prev ({@code dhPrev}) go
     */
    static void resetAfter(int hidden, MemorySegment s, long gates, long hn, long hPrev, MemorySegment dy, long dyAt,
                           MemorySegment dh, long dhAt, MemorySegment w, long dGx, long dGh, long dhPrev) {
        long gz = gates + hidden;
        long gn = gates + 2L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, s, (gates + k) * Float.BYTES, ORDER);
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, s, (gz + k) * Float.BYTES, ORDER);
            FloatVector n = FloatVector.fromMemorySegment(SPECIES, s, (gn + k) * Float.BYTES, ORDER);
            FloatVector hp = FloatVector.fromMemorySegment(SPECIES, s, (hPrev + k) * Float.BYTES, ORDER);
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, dy, (dyAt + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, dh, (dhAt + k) * Float.BYTES, ORDER));
            FloatVector dn = d.sub(d.mul(z)).mul(GateMath.tanhSlope(n));
            FloatVector dz = d.mul(hp.sub(n)).mul(GateMath.sigmoidSlope(z));
            FloatVector dr = dn.mul(FloatVector.fromMemorySegment(SPECIES, s, (hn + k) * Float.BYTES, ORDER)).mul(GateMath.sigmoidSlope(r));
            dr.intoMemorySegment(w, (dGx + k) * Float.BYTES, ORDER);
            dz.intoMemorySegment(w, (dGx + hidden + k) * Float.BYTES, ORDER);
            dn.intoMemorySegment(w, (dGx + 2L * hidden + k) * Float.BYTES, ORDER);
            dr.intoMemorySegment(w, (dGh + k) * Float.BYTES, ORDER);
            dz.intoMemorySegment(w, (dGh + hidden + k) * Float.BYTES, ORDER);
            dn.mul(r).intoMemorySegment(w, (dGh + 2L * hidden + k) * Float.BYTES, ORDER);
            d.mul(z).intoMemorySegment(w, (dhPrev + k) * Float.BYTES, ORDER);
        }
        for (; k < hidden; k++) {
            float r = FloatLanes.get(s, gates + k);
            float z = FloatLanes.get(s, gz + k);
            float n = FloatLanes.get(s, gn + k);
            float hp = FloatLanes.get(s, hPrev + k);
            float d = FloatLanes.get(dy, dyAt + k) + FloatLanes.get(dh, dhAt + k);
            float dn = (d - d * z) * (1f - n * n);
            float dz = d * (hp - n) * (z - z * z);
            float dr = dn * FloatLanes.get(s, hn + k) * (r - r * r);
            FloatLanes.set(w, dGx + k, dr);
            FloatLanes.set(w, dGx + hidden + k, dz);
            FloatLanes.set(w, dGx + 2L * hidden + k, dn);
            FloatLanes.set(w, dGh + k, dr);
            FloatLanes.set(w, dGh + hidden + k, dz);
            FloatLanes.set(w, dGh + 2L * hidden + k, dn * r);
            FloatLanes.set(w, dhPrev + k, d * z);
        }
    }

    /**
     * Reset before the product, first pass: dz and dn into the gate-gradient row ({@code [3H]} at
     * {@code dG}; dr follows in {@link #resetGradient}) and the direct part {@code dh z} of dh_prev.
     */
    static void resetBefore(int hidden, MemorySegment s, long gates, long hPrev, MemorySegment dy, long dyAt,
                            MemorySegment dh, long dhAt, MemorySegment w, long dG, long dhPrev) {
        long gz = gates + hidden;
        long gn = gates + 2L * hidden;
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, s, (gz + k) * Float.BYTES, ORDER);
            FloatVector n = FloatVector.fromMemorySegment(SPECIES, s, (gn + k) * Float.BYTES, ORDER);
            FloatVector hp = FloatVector.fromMemorySegment(SPECIES, s, (hPrev + k) * Float.BYTES, ORDER);
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, dy, (dyAt + k) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, dh, (dhAt + k) * Float.BYTES, ORDER));
            d.mul(hp.sub(n)).mul(GateMath.sigmoidSlope(z)).intoMemorySegment(w, (dG + hidden + k) * Float.BYTES, ORDER);
            d.sub(d.mul(z)).mul(GateMath.tanhSlope(n)).intoMemorySegment(w, (dG + 2L * hidden + k) * Float.BYTES, ORDER);
            d.mul(z).intoMemorySegment(w, (dhPrev + k) * Float.BYTES, ORDER);
        }
        for (; k < hidden; k++) {
            float z = FloatLanes.get(s, gz + k);
            float n = FloatLanes.get(s, gn + k);
            float hp = FloatLanes.get(s, hPrev + k);
            float d = FloatLanes.get(dy, dyAt + k) + FloatLanes.get(dh, dhAt + k);
            FloatLanes.set(w, dG + hidden + k, d * (hp - n) * (z - z * z));
            FloatLanes.set(w, dG + 2L * hidden + k, (d - d * z) * (1f - n * n));
            FloatLanes.set(w, dhPrev + k, d * z);
        }
    }

    /**
     * Reset before the product, second pass, given {@code d(r h) = dn W_hn} at {@code dRh}:
     * {@code dr = d(r h) h_prev r (1 - r)} into the gate-gradient row, {@code dh_prev += d(r h) r}.
     */
    static void resetGradient(int hidden, MemorySegment s, long gates, long hPrev, MemorySegment w, long dRh, long dG,
                              long dhPrev) {
        int k = 0;
        for (; k <= hidden - LANES; k += LANES) {
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, s, (gates + k) * Float.BYTES, ORDER);
            FloatVector drh = FloatVector.fromMemorySegment(SPECIES, w, (dRh + k) * Float.BYTES, ORDER);
            drh.mul(FloatVector.fromMemorySegment(SPECIES, s, (hPrev + k) * Float.BYTES, ORDER)).mul(GateMath.sigmoidSlope(r)).intoMemorySegment(w, (dG + k) * Float.BYTES, ORDER);
            drh.fma(r, FloatVector.fromMemorySegment(SPECIES, w, (dhPrev + k) * Float.BYTES, ORDER)).intoMemorySegment(w, (dhPrev + k) * Float.BYTES, ORDER);
        }
        for (; k < hidden; k++) {
            float r = FloatLanes.get(s, gates + k);
            float drh = FloatLanes.get(w, dRh + k);
            FloatLanes.set(w, dG + k, drh * FloatLanes.get(s, hPrev + k) * (r - r * r));
            FloatLanes.set(w, dhPrev + k, drh * r + FloatLanes.get(w, dhPrev + k));
        }
    }
}
