package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * An i386 ELF vmlinux reduced to what a loader needs: its {@code PT_LOAD} segments at their
 * physical addresses and the physical entry point.
 *
 * <p>The i386 linker script sets {@code p_paddr} to the physical address (virtual minus
 * {@code PAGE_OFFSET}) and {@code e_entry} to {@code phys_startup_32}; an entry given as a virtual
 * address is translated through the segment containing it, so both conventions load correctly.
 *
 * @param entry    physical address of the 32-bit entry point ({@code startup_32})
 * @param segments loadable segments sorted by physical address
 */
public record ElfKernel(long entry, List<LoadSegment> segments) {

    private static final int EM_386 = 3;
    private static final int PT_LOAD = 1;
    private static final int EHDR_SIZE = 52;
    private static final int PHDR_SIZE = 32;
    private static final long FOUR_GIB = 1L << 32;

    public ElfKernel {
        segments = List.copyOf(segments);
    }

    /** Lowest physical address any segment occupies. */
    public long start() {
        return segments.getFirst().physicalAddress();
    }

    /** First physical address after every segment. */
    public long end() {
        return segments.stream().mapToLong(LoadSegment::end).max().orElseThrow();
    }

    /**
     * Parses {@code data} as a 32-bit little-endian x86 executable; trailing data after the last
     * segment (the relocation table the kernel build appends) is ignored.
     *
     * @throws InvalidImageException naming the header or program header that is malformed
     */
    public static ElfKernel parse(String source, byte[] data) {
        var b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        checkIdent(source, data);
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != EM_386) {
            throw new InvalidImageException(source + ": ELF e_machine " + machine + " is not EM_386 (3)");
        }
        long phoff = Integer.toUnsignedLong(b.getInt(28));
        int phentsize = Short.toUnsignedInt(b.getShort(42));
        int phnum = Short.toUnsignedInt(b.getShort(44));
        if (phentsize != PHDR_SIZE) {
            throw new InvalidImageException(source + ": ELF e_phentsize " + phentsize + " is not " + PHDR_SIZE);
        }
        if (phnum == 0 || phoff + (long) phnum * PHDR_SIZE > data.length) {
            throw new InvalidImageException(source + ": ELF program header table (" + phnum + " entries at "
                    + phoff + ") lies outside the " + data.length + "-byte file");
        }
        var segments = new ArrayList<LoadSegment>();
        var vaddrs = new ArrayList<long[]>();
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * PHDR_SIZE);
            if (b.getInt(at) == PT_LOAD) {
                segments.add(segment(source, data, b, at, i));
                vaddrs.add(new long[] {u32(b, at + 8), u32(b, at + 12), u32(b, at + 20)});
            }
        }
        if (segments.isEmpty()) {
            throw new InvalidImageException(source + ": ELF has no PT_LOAD program header");
        }
        segments.sort(Comparator.comparingLong(LoadSegment::physicalAddress));
        checkOverlap(source, segments);
        return new ElfKernel(physicalEntry(source, u32(b, 24), vaddrs), segments);
    }

    private static void checkIdent(String source, byte[] data) {
        if (data.length < EHDR_SIZE || data[0] != 0x7F || data[1] != 'E' || data[2] != 'L' || data[3] != 'F') {
            throw new InvalidImageException(source + ": not an ELF file (" + data.length
                    + " bytes, no \\x7FELF header)");
        }
        if (data[4] != 1) {
            throw new InvalidImageException(source + ": ELF class " + data[4]
                    + " is not ELFCLASS32; the 32-bit boot protocol needs an i386 vmlinux");
        }
        if (data[5] != 1) {
            throw new InvalidImageException(source + ": ELF data encoding " + data[5] + " is not little-endian");
        }
    }

    private static LoadSegment segment(String source, byte[] data, ByteBuffer b, int at, int index) {
        long offset = u32(b, at + 4);
        long paddr = u32(b, at + 12);
        long filesz = u32(b, at + 16);
        long memsz = u32(b, at + 20);
        if (offset + filesz > data.length) {
            throw new InvalidImageException(String.format("%s: ELF program header %d: p_offset %d + p_filesz %d "
                    + "exceeds file size %d", source, index, offset, filesz, data.length));
        }
        if (filesz > memsz) {
            throw new InvalidImageException(String.format("%s: ELF program header %d: p_filesz %d > p_memsz %d",
                    source, index, filesz, memsz));
        }
        if (paddr + memsz > FOUR_GIB) {
            throw new InvalidImageException(String.format("%s: ELF program header %d: p_paddr 0x%X + p_memsz "
                    + "0x%X passes 4 GiB", source, index, paddr, memsz));
        }
        return new LoadSegment(paddr, Arrays.copyOfRange(data, (int) offset, (int) (offset + filesz)), memsz);
    }

    private static void checkOverlap(String source, List<LoadSegment> sorted) {
        for (int i = 1; i < sorted.size(); i++) {
            var prev = sorted.get(i - 1);
            var cur = sorted.get(i);
            if (cur.physicalAddress() < prev.end()) {
                throw new InvalidImageException(String.format("%s: ELF segments at 0x%X and 0x%X overlap",
                        source, prev.physicalAddress(), cur.physicalAddress()));
            }
        }
    }

    /** {vaddr, paddr, memsz} per PT_LOAD: a physical entry wins over a virtual match. */
    private static long physicalEntry(String source, long entry, List<long[]> loads) {
        for (long[] l : loads) {
            if (entry >= l[1] && entry < l[1] + l[2]) {
                return entry;
            }
        }
        for (long[] l : loads) {
            if (entry >= l[0] && entry < l[0] + l[2]) {
                return entry - l[0] + l[1];
            }
        }
        throw new InvalidImageException(String.format("%s: ELF entry 0x%X lies in no PT_LOAD segment", source, entry));
    }

    private static long u32(ByteBuffer b, int off) {
        return Integer.toUnsignedLong(b.getInt(off));
    }

    @Override
    public String toString() {
        return String.format("ElfKernel[entry 0x%X, %d segments, 0x%X-0x%X]", entry, segments.size(), start(), end());
    }
}
