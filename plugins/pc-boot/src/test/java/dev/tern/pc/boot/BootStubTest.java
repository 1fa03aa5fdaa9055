package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stub is checked byte for byte against {@code bootstub.bin}, which nasm assembled from the
 * independent source {@code bootstub.asm} (both test resources) with ENTRY=0x1000000,
 * BOOT_PARAMS=0x10000, STACK=0x10000.
 */
class BootStubTest {

    private static final BootStub STUB = new BootStub(0x1000000, 0x10000, 0x10000);

    @Test
    void matchesTheNasmAssembledGoldenImage() throws IOException {
        byte[] golden;
        try (InputStream in = BootStubTest.class.getResourceAsStream("/bootstub.bin")) {
            golden = in.readAllBytes();
        }
        assertEquals(BootStub.SIZE, golden.length);
        byte[] rom = STUB.assemble();
        for (int i = 0; i < rom.length; i++) {
            if (rom[i] != golden[i]) {
                throw new AssertionError(String.format("ROM differs from nasm at offset 0x%04X: 0x%02X vs 0x%02X",
                        i, rom[i], golden[i]));
            }
        }
    }

    /** Re-assembles the source when nasm is installed, proving the golden file is current. */
    @Test
    void nasmReassemblyMatches(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("nasm"), "nasm not installed; the golden-image test still ran");
        Path asm = dir.resolve("bootstub.asm");
        try (InputStream in = BootStubTest.class.getResourceAsStream("/bootstub.asm")) {
            Files.write(asm, in.readAllBytes());
        }
        Path bin = dir.resolve("out.bin");
        var p = new ProcessBuilder("nasm", "-f", "bin", "-o", bin.toString(), asm.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        assertArrayEquals(Files.readAllBytes(bin), STUB.assemble());
    }

    @Test
    void resetVectorJumpsIntoTheLowAlias() {
        byte[] rom = STUB.assemble();
        byte[] reset = Arrays.copyOfRange(rom, 0xFFF0, 0xFFF6);
        assertArrayEquals(new byte[] {(byte) 0xFA, (byte) 0xEA, 0x30, 0x00, 0x00, (byte) 0xF0}, reset);
    }

    @Test
    void gdtHasFlatBootSegments() {
        var b = ByteBuffer.wrap(STUB.assemble()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, b.getLong(0));
        assertEquals(0, b.getLong(8));
        assertEquals(0x00CF9B000000FFFFL, b.getLong(0x10), "__BOOT_CS");
        assertEquals(0x00CF93000000FFFFL, b.getLong(0x18), "__BOOT_DS");
        assertEquals(0x1F, b.getShort(0x20), "GDTR limit");
        assertEquals(0xF0000, b.getInt(0x22), "GDTR base");
    }

    @Test
    void kernelEntryAndZeroPageAreEmbedded() {
        var stub = new BootStub(0x1234567, 0x10000, 0x10000);
        byte[] rom = stub.assemble();
        var b = ByteBuffer.wrap(rom).order(ByteOrder.LITTLE_ENDIAN);
        int farJump = indexOf(rom, new byte[] {(byte) 0xEA, 0x67, 0x45, 0x23, 0x01, 0x10, 0x00});
        assertEquals(true, farJump > 0x30 && farJump < 0x100, "far jump to the entry at " + farJump);
        int esi = indexOf(rom, new byte[] {(byte) 0xBE, 0x00, 0x00, 0x01, 0x00});
        assertEquals(true, esi > 0 && esi < farJump, "mov esi, boot_params before the jump");
        assertEquals(0x10000, b.getInt(esi + 1));
    }

    @Test
    void addressesBeyond32BitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BootStub(1L << 32, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new BootStub(0, -1, 0));
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
