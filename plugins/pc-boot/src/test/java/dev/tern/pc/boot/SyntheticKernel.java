package dev.tern.pc.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Builds small but structurally real i386 vmlinux ELF files and bzImages around them for tests. */
final class SyntheticKernel {

    static final long LOAD = 0x1000000;
    static final long PAGE_OFFSET = 0xC0000000L;
    static final byte[] TEXT = pattern(0x1234, 3);
    static final byte[] DATA = pattern(0x800, 7);
    static final long DATA_PADDR = LOAD + 0x2000;
    static final long DATA_MEMSZ = 0x3000;

    private SyntheticKernel() {
    }

    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * seed + (i >> 8));
        }
        return b;
    }

    /** ELF32 EM_386 EXEC: text at LOAD (filesz = memsz), data at DATA_PADDR with BSS; entry as given. */
    static byte[] vmlinux(long entry) {
        int phoff = 52;
        int textOff = 0x100;
        int dataOff = textOff + TEXT.length;
        var b = ByteBuffer.allocate(dataOff + DATA.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1, 0});
        b.position(16);
        b.putShort((short) 2).putShort((short) 3).putInt(1).putInt((int) entry).putInt(phoff).putInt(0).putInt(0);
        b.putShort((short) 52).putShort((short) 32).putShort((short) 3).putShort((short) 40).putShort((short) 0)
                .putShort((short) 0);
        phdr(b, 1, textOff, LOAD + PAGE_OFFSET, LOAD, TEXT.length, TEXT.length);
        phdr(b, 4, 0, 0, 0, 0, 0); // PT_NOTE-like entry that must be ignored
        phdr(b, 1, dataOff, DATA_PADDR + PAGE_OFFSET, DATA_PADDR, DATA.length, DATA_MEMSZ);
        b.position(textOff);
        b.put(TEXT).put(DATA);
        b.put(new byte[] {'r', 'e', 'l', 's'}); // trailing relocations, as the kernel build appends
        return b.array();
    }

    private static void phdr(ByteBuffer b, int type, long off, long vaddr, long paddr, long filesz, long memsz) {
        b.putInt(type).putInt((int) off).putInt((int) vaddr).putInt((int) paddr).putInt((int) filesz)
                .putInt((int) memsz).putInt(7).putInt(0x1000);
    }

    static byte[] xz(byte[] data) {
        try {
            var out = new ByteArrayOutputStream();
            try (var xz = new XZOutputStream(out, new LZMA2Options(1))) {
                xz.write(data);
            }
            return withSize(out.toByteArray(), data.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] data) {
        try {
            var out = new ByteArrayOutputStream();
            try (var gz = new GZIPOutputStream(out)) {
                gz.write(data);
            }
            return withSize(out.toByteArray(), data.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kernel build appends the uncompressed size (le32) after the compressed stream. */
    private static byte[] withSize(byte[] compressed, int size) {
        return ByteBuffer.allocate(compressed.length + 4).order(ByteOrder.LITTLE_ENDIAN).put(compressed).putInt(size)
                .array();
    }

    /** A protocol 2.15 bzImage with 4 setup sectors around {@code payload}. */
    static byte[] bzImage(byte[] payload) {
        int setupSects = 4;
        int setup = (setupSects + 1) * 512;
        int payloadOffset = 0x94;
        int pm = payloadOffset + payload.length + 0x40;
        var b = ByteBuffer.allocate(setup + pm).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) setupSects);
        b.putInt(0x1F4, (pm + 15) / 16);
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB).put(0x201, (byte) 0x6A); // jump: header ends at 0x26C
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) 0x020F);
        b.put(0x211, (byte) 0x01);
        b.putInt(0x214, 0x100000);
        b.putInt(0x22C, 0x7FFFFFFF);
        b.putInt(0x230, 0x1000000);
        b.put(0x234, (byte) 1);
        b.put(0x235, (byte) 21);
        b.putShort(0x236, (short) 0x0003);
        b.putInt(0x238, 2047);
        b.putInt(0x248, payloadOffset);
        b.putInt(0x24C, payload.length);
        b.putLong(0x258, LOAD);
        b.putInt(0x260, 0x800000);
        b.put(setup + payloadOffset, payload);
        return b.array();
    }

    static byte[] setU8(byte[] image, int off, int v) {
        byte[] c = image.clone();
        c[off] = (byte) v;
        return c;
    }

    static byte[] setU32(byte[] image, int off, long v) {
        byte[] c = image.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(off, (int) v);
        return c;
    }
}
