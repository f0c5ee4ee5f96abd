package dev.panamax.bindings.openblas;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

import dev.panamax.bindings.NativeLibrary;

/**
 * Finds a CBLAS library, once per JVM, in this order:
 * <ol>
 * <li>an explicit path: system property {@code panamax.blas} or environment variable
 *     {@code PANAMAX_BLAS} (any CBLAS: OpenBLAS, BLIS, MKL);</li>
 * <li>the system's OpenBLAS ({@code libopenblas.so.0}, {@code libopenblas.so}, then the generic
 *     {@code libcblas.so.3});</li>
 * <li>the native library inside the Maven Central artifact
 *     {@code org.bytedeco:openblas:linux-x86_64} on the class path: extracted once to
 *     {@code ~/.cache/panamax/<jar name>/} (or {@code panamax.cache}) and loaded through FFM,
 *     without JavaCPP; its {@code libquadmath.so.0} and {@code libgfortran.so.5} are loaded first so
 *     that the dynamic linker resolves OpenBLAS's dependencies to them.</li>
 * </ol>
 * Nothing found is not an error: Panamax then runs everything in Java.
 */
public final class OpenBlasLibrary {

    private static final String ARTIFACT_DIR = "org/bytedeco/openblas/linux-x86_64/";
    private static final List<String> ARTIFACT_LIBS = List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");

    private OpenBlasLibrary() {
    }

    private static final class Holder {
        static final Optional<NativeLibrary> FOUND = search();
    }

    /** The CBLAS library, searched on first call. */
    public static Optional<NativeLibrary> find() {
        return Holder.FOUND;
    }

    private static Optional<NativeLibrary> search() {
        Optional<NativeLibrary> found = NativeLibrary.find("OpenBLAS", "panamax.blas", "PANAMAX_BLAS",
                List.of("libopenblas.so.0", "libopenblas.so", "libcblas.so.3"));
        if (found.isPresent()) {
            return found;
        }
        return fromArtifact();
    }

    private static Optional<NativeLibrary> fromArtifact() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            return Optional.empty();
        }
        URL main = OpenBlasLibrary.class.getClassLoader().getResource(ARTIFACT_DIR + "libopenblas.so.0");
        if (main == null) {
            return Optional.empty();
        }
        try {
            Path dir = cacheDir(main);
            SymbolLookup lookup = null;
            for (String lib : ARTIFACT_LIBS) {
                Path file = extract(dir, lib);
                lookup = SymbolLookup.libraryLookup(file, Arena.global());
            }
            return Optional.of(new NativeLibrary("OpenBLAS", "maven artifact", dir.resolve("libopenblas.so.0").toString(),
                    lookup));
        } catch (IOException | RuntimeException e) {
            System.err.println("panamax: OpenBLAS from the Maven artifact could not be loaded (" + e.getMessage()
                    + "); running in Java");
            return Optional.empty();
        }
    }

    /** {@code <cache>/<artifact jar name>/}: a new artifact version extracts next to the old one. */
    private static Path cacheDir(URL resource) {
        String url = resource.toString();
        String jar = "openblas";
        int bang = url.indexOf("!/");
        if (bang > 0) {
            String path = url.substring(0, bang);
            jar = path.substring(path.lastIndexOf('/') + 1).replaceFirst("\\.jar$", "");
        }
        String base = System.getProperty("panamax.cache");
        Path root = base != null ? Path.of(base) : Path.of(System.getProperty("user.home"), ".cache", "panamax");
        return root.resolve(jar);
    }

    /** Copies one library out of the jar unless already there with the same size; atomic rename. */
    private static Path extract(Path dir, String lib) throws IOException {
        URL url = OpenBlasLibrary.class.getClassLoader().getResource(ARTIFACT_DIR + lib);
        if (url == null) {
            throw new IOException(lib + " is missing from the OpenBLAS artifact");
        }
        Files.createDirectories(dir);
        Path target = dir.resolve(lib);
        long size = url.openConnection().getContentLengthLong();
        if (Files.isRegularFile(target) && (size < 0 || Files.size(target) == size)) {
            return target;
        }
        Path tmp = Files.createTempFile(dir, lib, ".part");
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
