package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds small Multiboot v1 kernels for tests: an ELF with the header, or a flat a.out-kludge image. */
final class MultibootImages {

    static final long LOAD = 0x100000;
    static final int HEADER_OFFSET = 0x60;
    static final byte[] CODE = SyntheticKernel.pattern(0x300, 5);

    private MultibootImages() {
    }

    /** Header words (magic, flags, checksum) at {@code at}; the checksum makes them sum to zero. */
    static void header(ByteBuffer b, int at, int flags) {
        b.putInt(at, MultibootHeader.MAGIC).putInt(at + 4, flags).putInt(at + 8, -(MultibootHeader.MAGIC + flags));
    }

    /**
     * An ELF32 EM_386 executable whose one PT_LOAD maps the whole file at {@link #LOAD} with
     * {@code bss} bytes of BSS after it; Multiboot header with {@code flags} at {@link #HEADER_OFFSET};
     * entry just after the header.
     */
    static byte[] elf(int flags, int bss) {
        int size = 0x100 + CODE.length;
        var b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1, 0});
        b.position(16);
        b.putShort((short) 2).putShort((short) 3).putInt(1).putInt((int) (LOAD + 0x100)).putInt(52).putInt(0)
                .putInt(0);
        b.putShort((short) 52).putShort((short) 32).putShort((short) 1).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0);
        b.putInt(1).putInt(0).putInt((int) LOAD).putInt((int) LOAD).putInt(size).putInt(size + bss).putInt(7)
                .putInt(0x1000);
        header(b, HEADER_OFFSET, flags);
        b.put(0x100, CODE);
        return b.array();
    }

    /**
     * A flat image (not ELF) loaded by the header's address fields: the file from offset 0 at
     * {@link #LOAD}, the header at {@link #HEADER_OFFSET}, entry at LOAD + 0x100.
     */
    static byte[] flat(long loadEnd, long bssEnd, long entry) {
        var b = ByteBuffer.allocate(0x100 + CODE.length).order(ByteOrder.LITTLE_ENDIAN);
        header(b, HEADER_OFFSET, MultibootHeader.ADDRESS_FIELDS | MultibootHeader.MEMORY_INFO);
        b.putInt(HEADER_OFFSET + 12, (int) (LOAD + HEADER_OFFSET)).putInt(HEADER_OFFSET + 16, (int) LOAD)
                .putInt(HEADER_OFFSET + 20, (int) loadEnd).putInt(HEADER_OFFSET + 24, (int) bssEnd)
                .putInt(HEADER_OFFSET + 28, (int) entry);
        b.put(0x100, CODE);
        return b.array();
    }
}
