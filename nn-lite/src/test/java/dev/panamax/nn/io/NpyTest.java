package dev.panamax.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

class NpyTest {

    private static byte[] file(int major, String dict, byte[] data) {
        byte[] h = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        b.put(h).put(data);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void roundTripsFloatsLongsScalarsAndViews() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Npy.write(out, t);
            assertThat((out.size() - 24) % 64).as("header padded to 64 bytes").isZero();
            Tensor back = Npy.read(new ByteArrayInputStream(out.toByteArray()), arena, "t");
            assertThat(back.shape()).containsExactly(3, 2);
            assertThat(back.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);

            Tensor l = Tensor.ofLongs(arena, new long[] {5, -2, 9}, 3);
            out.reset();
            Npy.write(out, l);
            assertThat(new String(out.toByteArray(), 0, 70, StandardCharsets.ISO_8859_1)).contains("'shape': (3,)");
            assertThat(Npy.read(new ByteArrayInputStream(out.toByteArray()), arena, "l").toLongArray()).containsExactly(5, -2, 9);

            out.reset();
            Npy.write(out, Tensor.scalar(arena, 3.5f));
            Tensor s = Npy.read(new ByteArrayInputStream(out.toByteArray()), arena, "s");
            assertThat(s.rank()).isZero();
            assertThat(s.item()).isEqualTo(3.5f);
        }
    }

    @Test
    void readsVersion2Headers() throws IOException {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array();
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Npy.read(new ByteArrayInputStream(file(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data)),
                    arena, "v2");
            assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
            assertThat(t.toFloatArray()).containsExactly(1.5f, -2f);
        }
    }

    @Test
    void aFileWhoseHeaderLiesAboutItsSizeIsRefusedBeforeAllocating(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        java.nio.file.Path f = dir.resolve("lying.npy");
        java.nio.file.Files.write(f, file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }",
                new byte[64]));
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Npy.read(f, arena)).isInstanceOf(IOException.class).hasMessageContaining("lying.npy")
                    .hasMessageContaining("declares 4000000000000 bytes").hasMessageContaining("only 64 follow it");
        }
    }

    @Test
    void rejectsWhatItCannotRead() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new byte[8])), arena, "f8"))
                    .isInstanceOf(IOException.class).hasMessageContaining("dtype '<f8' is not supported");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4])), arena, "be"))
                    .isInstanceOf(IOException.class).hasMessageContaining("big-endian");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16])), arena, "fo"))
                    .isInstanceOf(IOException.class).hasMessageContaining("Fortran-order");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new byte[8])), arena, "short"))
                    .isInstanceOf(IOException.class).hasMessageContaining("truncated").hasMessageContaining("declares 16 bytes")
                    .hasMessageContaining("ends after 8");
            // a header that declares 4 TB over a few bytes: refused before anything is allocated
            byte[] lying = file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", new byte[64]);
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(lying), arena, "lying"))
                    .isInstanceOf(IOException.class).hasMessageContaining("lying").hasMessageContaining("4000000000000 bytes");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", new byte[8])), arena, "neg"))
                    .isInstanceOf(IOException.class).hasMessageContaining("negative dimension");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
                            new byte[8])), arena, "huge")).isInstanceOf(IOException.class).hasMessageContaining("huge");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), arena, "junk"))
                    .isInstanceOf(IOException.class).hasMessageContaining("not a .npy file");
        }
    }
}
