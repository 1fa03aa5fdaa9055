package dev.tern.kernel.replay;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Crc32cConcatTest {

    @Test
    void joiningPartCrcsGivesTheCrcOfTheWhole() {
        var random = new Random(14);
        for (int length : new int[] {1, 3, 64, 4096}) {
            var join = new Crc32cConcat(length);
            for (int round = 0; round < 50; round++) {
                byte[] a = new byte[1 + random.nextInt(9000)];
                byte[] b = new byte[length];
                random.nextBytes(a);
                random.nextBytes(b);
                if (round == 0) {
                    java.util.Arrays.fill(b, (byte) 0); // zero pages are most of a guest's RAM
                }
                byte[] whole = new byte[a.length + b.length];
                System.arraycopy(a, 0, whole, 0, a.length);
                System.arraycopy(b, 0, whole, a.length, b.length);
                assertEquals(crc(whole), join.concat(crc(a), crc(b)), "parts of " + a.length + " and " + length + " bytes");
            }
        }
    }

    @Test
    void aChainOfPagesGivesTheCrcOfTheChunk() {
        var random = new Random(1);
        byte[] chunk = new byte[StateFingerprint.RAM_CHUNK];
        random.nextBytes(chunk);
        var join = new Crc32cConcat(4096);
        int v = crc(java.util.Arrays.copyOfRange(chunk, 0, 4096));
        for (int off = 4096; off < chunk.length; off += 4096) {
            v = join.concat(v, crc(java.util.Arrays.copyOfRange(chunk, off, off + 4096)));
        }
        assertEquals(crc(chunk), v);
    }

    @Test
    void aPartOfNoBytesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Crc32cConcat(0));
    }

    private static int crc(byte[] data) {
        var c = new CRC32C();
        c.update(data);
        return (int) c.getValue();
    }
}
