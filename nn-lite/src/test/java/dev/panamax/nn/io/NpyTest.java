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

    private static byte[] bytes(ByteOrder order, int n, java.util.function.Consumer<ByteBuffer> put) {
        ByteBuffer b = ByteBuffer.allocate(n).order(order);
        put.accept(b);
        return b.array();
    }

    private static Tensor read(Arena arena, String descr, boolean fortran, String shape, byte[] data) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        return Npy.read(new ByteArrayInputStream(file(1, dict, data)), arena, descr);
    }

    /** NumPy's default float64, half floats, either byte order, integers of every width, bools, Fortran order. */
    @Test
    void readsOtherNumericTypesAsFloat32OrInt64AndFortranOrder() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f8 = read(arena, "<f8", false, "(2,)", bytes(ByteOrder.LITTLE_ENDIAN, 16, b -> b.putDouble(0.1).putDouble(-3e40)));
            assertThat(f8.dtype()).isEqualTo(DType.FLOAT32);
            assertThat(f8.toFloatArray()).containsExactly(0.1f, Float.NEGATIVE_INFINITY);
            assertThat(read(arena, ">f4", false, "(2,)", bytes(ByteOrder.BIG_ENDIAN, 8, b -> b.putFloat(1.5f).putFloat(-2f)))
                    .toFloatArray()).containsExactly(1.5f, -2f);
            assertThat(read(arena, "<f2", false, "(2,)", bytes(ByteOrder.LITTLE_ENDIAN, 4,
                    b -> b.putShort(Float.floatToFloat16(0.5f)).putShort(Float.floatToFloat16(-65504f)))).toFloatArray())
                    .containsExactly(0.5f, -65504f);
            Tensor u1 = read(arena, "|u1", false, "(3,)", new byte[] {0, (byte) 200, (byte) 255});
            assertThat(u1.dtype()).isEqualTo(DType.INT64);
            assertThat(u1.toLongArray()).containsExactly(0, 200, 255);
            assertThat(read(arena, "|i1", false, "(2,)", new byte[] {-5, 7}).toLongArray()).containsExactly(-5, 7);
            assertThat(read(arena, ">u2", false, "(1,)", bytes(ByteOrder.BIG_ENDIAN, 2, b -> b.putShort((short) 60000)))
                    .toLongArray()).containsExactly(60000);
            assertThat(read(arena, "<i4", false, "(2,)", bytes(ByteOrder.LITTLE_ENDIAN, 8, b -> b.putInt(-1).putInt(1 << 30)))
                    .toLongArray()).containsExactly(-1, 1 << 30);
            assertThat(read(arena, "<u4", false, "(1,)", bytes(ByteOrder.LITTLE_ENDIAN, 4, b -> b.putInt(-1))).toLongArray())
                    .containsExactly(4294967295L);
            assertThat(read(arena, ">i8", false, "(1,)", bytes(ByteOrder.BIG_ENDIAN, 8, b -> b.putLong(-9))).toLongArray())
                    .containsExactly(-9);
            assertThat(read(arena, "|b1", false, "(3,)", new byte[] {0, 1, 2}).toLongArray()).containsExactly(0, 1, 1);
            // a 2 x 3 array [[1, 2, 3], [4, 5, 6]] in Fortran order holds its columns one after another
            Tensor fo = read(arena, "<f4", true, "(2, 3)", bytes(ByteOrder.LITTLE_ENDIAN, 24,
                    b -> b.putFloat(1).putFloat(4).putFloat(2).putFloat(5).putFloat(3).putFloat(6)));
            assertThat(fo.shape()).containsExactly(2, 3);
            assertThat(fo.isContiguous()).isTrue();
            assertThat(fo.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(read(arena, "<i8", true, "(3,)", bytes(ByteOrder.LITTLE_ENDIAN, 24, b -> b.putLong(1).putLong(2).putLong(3)))
                    .toLongArray()).containsExactly(1, 2, 3);
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
                    file(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8])), arena, "c8"))
                    .isInstanceOf(IOException.class).hasMessageContaining("dtype '<c8' is not supported");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }", new byte[8])), arena, "str"))
                    .isInstanceOf(IOException.class).hasMessageContaining("dtype '<U2' is not supported");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<f6666666666', 'fortran_order': False, 'shape': (1,), }", new byte[8])), arena, "wide"))
                    .isInstanceOf(IOException.class).hasMessageContaining("dtype '<f6666666666' is not supported");
            assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(
                    file(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", new byte[] {-1, -1, -1, -1, -1, -1, -1, -1})),
                    arena, "u8")).isInstanceOf(IOException.class).hasMessageContaining("18446744073709551615")
                    .hasMessageContaining("int64");
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
