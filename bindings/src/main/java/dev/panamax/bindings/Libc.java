package dev.panamax.bindings;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library functions Panamax calls, in the shape jextract generates from
 * {@code <stdlib.h>}. No logic and no validation.
 */
public final class Libc {

    private Libc() {
    }

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private static final class setenv {
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("setenv").orElseThrow(),
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT));
    }

    /**
     * {@snippet lang=c :
     * int setenv(const char *name, const char *value, int overwrite)
     * }
     */
    public static int setenv(MemorySegment name, MemorySegment value, int overwrite) {
        try {
            return (int) setenv.HANDLE.invokeExact(name, value, overwrite);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("should not reach here", t);
        }
    }
}
