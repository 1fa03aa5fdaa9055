package dev.tern.pc.boot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Prepares the boot of a Multiboot version 1 kernel the way a Multiboot loader (QEMU's
 * {@code -kernel}, GRUB legacy) does: the image is loaded by its ELF program headers, or by the
 * header's address fields when flag bit 16 is set (the "a.out kludge"); the {@link BootStub}
 * enters it in flat 32-bit protected mode with paging off, A20 on, EAX = 0x2BADB002 and EBX = the
 * {@link MultibootInfo}.
 *
 * <p>Guest-physical memory map at the first instruction:
 * <pre>
 * 0x00000000-0x0000FFFF  free; the stub's stack grows down from 0x10000
 * 0x00010000-...         Multiboot information structure, memory map, loader name (EBX)
 * 0x00020000-...         command line, NUL terminated
 * 0x000F0000-0x000FFFFF  firmware ROM (boot stub), also at 0xFFFF0000
 * 1 MiB and up           the kernel, where its ELF segments or address fields say
 * </pre>
 */
public final class MultibootBoot {

    /** Physical address of the information structure, passed in EBX. */
    public static final long INFO = 0x10000;
    /** Physical address of the command line. */
    public static final long CMDLINE = 0x20000;
    /** Initial stack pointer (Multiboot leaves ESP undefined; a usable one costs nothing). */
    public static final long STACK_TOP = INFO;
    private static final long CMDLINE_LIMIT = 0x9FC00 - CMDLINE;
    private static final long ONE_MIB = 0x100000;
    /** BSS is zeroed through blobs sharing one zero array of at most this many bytes. */
    private static final int ZERO_CHUNK = 16 << 20;

    private MultibootBoot() {
    }

    /**
     * Lays out the boot of {@code image}, whose {@code header} {@link MultibootHeader#find} found.
     *
     * @param source  name for error messages (usually the file name)
     * @param cmdline the kernel command line (ASCII, no NUL)
     * @param ramSize bytes of RAM: [0, 639 KiB) and [1 MiB, ramSize)
     * @throws InvalidImageException naming the file and field when the image cannot be loaded
     */
    public static BootImage prepare(String source, byte[] image, MultibootHeader header, String cmdline,
            long ramSize) {
        List<E820Entry> e820;
        try {
            e820 = BootParams.pcMemoryMap(ramSize, BootStub.SIZE);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException("RAM size: " + e.getMessage(), e);
        }
        ElfKernel kernel = header.hasAddressFields() ? addressFields(source, image, header) : elf(source, image);
        var blobs = new ArrayList<GuestBlob>();
        int i = 0;
        for (var seg : kernel.segments()) {
            if (seg.physicalAddress() < ONE_MIB || seg.end() > ramSize) {
                throw new InvalidImageException(String.format("%s: Multiboot kernel segment [0x%X, 0x%X) lies "
                        + "outside RAM above 1 MiB [0x%X, 0x%X) (below 1 MiB are the boot information and the "
                        + "firmware; add RAM or relink the kernel)", source, seg.physicalAddress(), seg.end(),
                        ONE_MIB, ramSize));
            }
            blobs.add(new GuestBlob("kernel segment " + i, seg.physicalAddress(), seg.data()));
            addBss(blobs, "kernel segment " + i + " bss", seg.physicalAddress() + seg.data().length,
                    seg.memorySize() - seg.data().length);
            i++;
        }
        blobs.add(new GuestBlob("multiboot info", INFO, new MultibootInfo(INFO, CMDLINE, e820).encode()));
        blobs.add(new GuestBlob("cmdline", CMDLINE, commandLine(source, cmdline)));
        blobs.sort(Comparator.comparingLong(GuestBlob::address));
        var registers = new EntryRegisters.Multiboot(INFO);
        return new BootImage(new BootStub(kernel.entry(), STACK_TOP, registers).assemble(), blobs, kernel.entry());
    }

    private static ElfKernel elf(String source, byte[] image) {
        if (image.length < 4 || image[0] != 0x7F || image[1] != 'E' || image[2] != 'L' || image[3] != 'F') {
            throw new InvalidImageException(source + ": Multiboot header without flag bit 16 (address fields) "
                    + "but the file is not ELF: Tern cannot tell where to load it");
        }
        return ElfKernel.parse(source, image);
    }

    /** The a.out kludge (spec 3.1.3): one segment from the header's physical addresses. */
    private static ElfKernel addressFields(String source, byte[] image, MultibootHeader h) {
        if (h.loadAddr() > h.headerAddr()) {
            throw new InvalidImageException(String.format("%s: Multiboot load_addr 0x%X is above header_addr 0x%X",
                    source, h.loadAddr(), h.headerAddr()));
        }
        long fileStart = h.offset() - (h.headerAddr() - h.loadAddr());
        if (fileStart < 0) {
            throw new InvalidImageException(String.format("%s: Multiboot header_addr 0x%X - load_addr 0x%X puts the "
                    + "load start %d bytes before the file's start", source, h.headerAddr(), h.loadAddr(), -fileStart));
        }
        long loadEnd = h.loadEndAddr() == 0 ? h.loadAddr() + (image.length - fileStart) : h.loadEndAddr();
        if (loadEnd < h.loadAddr() || fileStart + (loadEnd - h.loadAddr()) > image.length) {
            throw new InvalidImageException(String.format("%s: Multiboot load_end_addr 0x%X: [load_addr 0x%X, "
                    + "load_end_addr) is not within the %d-byte file from offset %d", source, loadEnd, h.loadAddr(),
                    image.length, fileStart));
        }
        long memEnd = h.bssEndAddr() == 0 ? loadEnd : h.bssEndAddr();
        if (memEnd < loadEnd) {
            throw new InvalidImageException(String.format("%s: Multiboot bss_end_addr 0x%X is below load_end_addr 0x%X",
                    source, memEnd, loadEnd));
        }
        if (h.entryAddr() < h.loadAddr() || h.entryAddr() >= memEnd) {
            throw new InvalidImageException(String.format("%s: Multiboot entry_addr 0x%X lies outside the loaded "
                    + "image [0x%X, 0x%X)", source, h.entryAddr(), h.loadAddr(), memEnd));
        }
        byte[] data = Arrays.copyOfRange(image, (int) fileStart, (int) (fileStart + loadEnd - h.loadAddr()));
        return new ElfKernel(h.entryAddr(), List.of(new LoadSegment(h.loadAddr(), data, memEnd - h.loadAddr())));
    }

    private static void addBss(List<GuestBlob> blobs, String name, long from, long length) {
        if (length <= 0) {
            return;
        }
        byte[] zeros = new byte[(int) Math.min(length, ZERO_CHUNK)];
        for (long done = 0; done < length; done += zeros.length) {
            int n = (int) Math.min(zeros.length, length - done);
            blobs.add(new GuestBlob(name, from + done, n == zeros.length ? zeros : new byte[n]));
        }
    }

    private static byte[] commandLine(String source, String cmdline) {
        if (cmdline.indexOf('\0') >= 0 || !StandardCharsets.US_ASCII.newEncoder().canEncode(cmdline)) {
            throw new InvalidImageException("command line must be ASCII without NUL characters: \"" + cmdline + "\"");
        }
        byte[] text = cmdline.getBytes(StandardCharsets.US_ASCII);
        if (text.length >= CMDLINE_LIMIT) {
            throw new InvalidImageException(source + ": command line of " + text.length + " bytes exceeds "
                    + (CMDLINE_LIMIT - 1));
        }
        return Arrays.copyOf(text, text.length + 1);
    }
}
