package dev.panamax.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A native library found at run time, and the search that finds it.
 *
 * <p>The search order is the project's rule for every optional backend: an explicit path
 * (a system property, then an environment variable), then the system's library names as the
 * dynamic linker resolves them. Libraries are loaded into the global arena: they stay
 * loaded for the life of the JVM, as the bindings' method handles need.
 *
 * @param name    what the library is, for reports ("OpenBLAS", "CUDA runtime")
 * @param source  how it was found: {@code property}, {@code environment} or {@code system}
 * @param location the path or soname that was loaded
 * @param lookup  the symbols of the loaded library
 */
public record NativeLibrary(String name, String source, String location, SymbolLookup lookup) {

    /**
     * Searches for a library.
     *
     * @param name        what the library is, for reports
     * @param property    system property holding an explicit path (checked first)
     * @param environment environment variable holding an explicit path (checked second)
     * @param sonames     names the dynamic linker resolves, most specific first
     * @return the first library that loads, or empty when none does
     * @throws IllegalArgumentException when an explicit path is given but cannot be loaded:
     *         a path the user named must not be silently replaced by another library
     */
    public static Optional<NativeLibrary> find(String name, String property, String environment,
                                               List<String> sonames) {
        String explicit = System.getProperty(property);
        String source = "property";
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv(environment);
            source = "environment";
        }
        if (explicit != null && !explicit.isBlank()) {
            Path path = Path.of(explicit);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException(name + " path from " + source + " "
                        + (source.equals("property") ? property : environment)
                        + " is not a file: " + explicit);
            }
            try {
                return Optional.of(new NativeLibrary(name, source, path.toAbsolutePath().toString(),
                        SymbolLookup.libraryLookup(path, Arena.global())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + " at " + explicit + " could not be loaded: "
                        + e.getMessage(), e);
            }
        }
        for (String soname : sonames) {
            try {
                return Optional.of(new NativeLibrary(name, "system", soname,
                        SymbolLookup.libraryLookup(soname, Arena.global())));
            } catch (IllegalArgumentException notThere) {
                // try the next name
            }
        }
        return Optional.empty();
    }
}
