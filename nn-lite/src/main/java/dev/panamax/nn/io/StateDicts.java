package dev.panamax.nn.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.panamax.nn.tensor.Tensor;

/**
 * A state dict (tensors by PyTorch name) as a folder of {@code .npy} files, one per entry named
 * {@code <name>.npy} ({@code fc1.weight.npy}), the form {@code numpy.save} loops produce.
 * Safetensors files are read and written by {@link SafeTensors}.
 */
public final class StateDicts {

    private StateDicts() {
    }

    /** Writes each tensor to {@code dir/<name>.npy}, creating the folder. */
    public static void writeNpyFolder(Path dir, Map<String, Tensor> state) throws IOException {
        Files.createDirectories(dir);
        for (var e : state.entrySet()) {
            Npy.write(dir.resolve(e.getKey() + ".npy"), e.getValue());
        }
    }

    /** Reads every {@code *.npy} in {@code dir} into a state dict keyed by file name without the suffix. */
    public static Map<String, Tensor> readNpyFolder(Path dir, Arena arena) throws IOException {
        Map<String, Tensor> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".npy")).toList()) {
                String name = f.getFileName().toString();
                out.put(name.substring(0, name.length() - 4), Npy.read(f, arena));
            }
        }
        return out;
    }
}
