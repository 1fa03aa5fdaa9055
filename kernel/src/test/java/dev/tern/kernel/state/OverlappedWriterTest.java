package dev.tern.kernel.state;

import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RamSender;

import dev.tern.kernel.memory.GuestRam;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An overlapped writer writes the very bytes a plain one does, and reports a failed write. */
class OverlappedWriterTest {

    record Regs(int a, long b) { }

    private static GuestRam ram() {
        GuestRam ram = GuestRam.builder().ram("ram", 0, 256 * 4096).build();
        byte[] page = new byte[4096];
        Random rnd = new Random(7);
        for (int p = 0; p < 256; p += 1 + p % 3) {
            rnd.nextBytes(page);
            ram.write(p * 4096L, page, 0, page.length);
        }
        return ram;
    }

    private static void write(SavedStateWriter w, GuestRam ram) throws IOException {
        w.writeLive(RamSender.of(ram), 10 * 4096);
        w.writeSection(new TestSection<>("regs", Regs.class, new Regs(3, 4)));
        w.finish();
    }

    @Test
    void sameBytesAsAPlainWriterAcrossManyParts() throws IOException {
        try (GuestRam ram = ram()) {
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            write(new SavedStateWriter(plain, ConfigHeader.of("pc", ram)), ram);
            ByteArrayOutputStream overlapped = new ByteArrayOutputStream();
            SavedStateWriter w = SavedStateWriter.overlapped(overlapped, ConfigHeader.of("pc", ram));
            write(w, ram);
            assertArrayEquals(plain.toByteArray(), overlapped.toByteArray());
            assertEquals(plain.size(), w.position());
        }
    }

    @Test
    void aWriteFailingOnTheHelperThreadSurfacesAsIOException() throws IOException {
        OutputStream failing = new OutputStream() {
            long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                written += len;
                if (written > 200_000) {
                    throw new IOException("disk full");
                }
            }
        };
        try (GuestRam ram = ram()) {
            SavedStateWriter w = SavedStateWriter.overlapped(failing, ConfigHeader.of("pc", ram));
            IOException e = assertThrows(IOException.class, () -> write(w, ram));
            assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        }
    }
}
