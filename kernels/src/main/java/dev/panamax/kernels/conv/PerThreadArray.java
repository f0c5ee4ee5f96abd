package dev.panamax.kernels.conv;

import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * A scratch array per thread, grown as needed: what a kernel fills and reads within one call
 * (tap offsets, a filter's weights), kept from call to call so that the call allocates nothing
 * in steady state. Each use has its own instance, so two kernels never share the contents.
 *
 * @param <A> the array type
 */
final class PerThreadArray<A> {

    private final ThreadLocal<A> holder;
    private final IntFunction<A> make;
    private final ToIntFunction<A> length;

    PerThreadArray(IntFunction<A> make, ToIntFunction<A> length, int initial) {
        this.holder = ThreadLocal.withInitial(() -> make.apply(initial));
        this.make = make;
        this.length = length;
    }

    /** This thread's array of at least {@code n} elements; its contents are scratch. */
    A atLeast(int n) {
        A a = holder.get();
        int have = length.applyAsInt(a);
        if (have < n) {
            a = make.apply(Math.max(n, 2 * have));
            holder.set(a);
        }
        return a;
    }
}
