package dev.tern.pc.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Prepares a direct Linux boot on the PC machine (the facade the CLI calls).
 *
 * <p>Guest-physical memory map at the first instruction:
 * <pre>
 * 0x00000000-0x0000FFFF  free; the stub's stack grows down from 0x10000
 * 0x00010000-0x00010FFF  zero page (struct boot_params), passed in ESI
 * 0x00020000-...         command line, NUL terminated (at most cmdline_size + 1 bytes)
 * 0x000F0000-0x000FFFFF  firmware ROM (boot stub), also at 0xFFFF0000
 * p_paddr (16 MiB)-...   decompressed kernel segments, BSS zeroed; init_size is kept free
 * below min(initrd_addr_max, RAM end), page aligned: the initrd
 * </pre>
 */
public final class LinuxBoot {

    /** Physical address of the zero page. */
    public static final long BOOT_PARAMS = 0x10000;
    /** Physical address of the command line. */
    public static final long CMDLINE = 0x20000;
    /** Initial stack pointer: below the zero page. */
    public static final long STACK_TOP = BOOT_PARAMS;
    private static final long CMDLINE_LIMIT = 0x9FC00 - CMDLINE;
    private static final long ONE_MIB = 0x100000;
    private static final long PAGE = 0x1000;

    private LinuxBoot() {
    }

    /**
     * Reads the kernel and optional initrd and lays out a boot.
     *
     * @param kernel  a bzImage or i386 ELF vmlinux
     * @param initrd  an initramfs/initrd file, or {@code null} for none
     * @param cmdline the kernel command line (ASCII)
     * @param ramSize bytes of RAM: [0, 640 KiB) and [1 MiB, ramSize)
     * @throws InvalidImageException naming the file and field when something does not fit
     */
    public static BootImage prepare(Path kernel, Path initrd, String cmdline, long ramSize) {
        var image = LinuxImage.load(kernel);
        byte[] ramdisk = initrd == null ? null : readInitrd(initrd, ramSize);
        return prepare(image, ramdisk, cmdline, ramSize);
    }

    /** As {@link #prepare(Path, Path, String, long)} with the inputs already in memory. */
    public static BootImage prepare(LinuxImage image, byte[] initrd, String cmdline, long ramSize) {
        List<E820Entry> e820;
        try {
            e820 = BootParams.pcMemoryMap(ramSize, BootStub.SIZE);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException("RAM size: " + e.getMessage(), e);
        }
        byte[] cmd = commandLine(image, cmdline);
        var blobs = new ArrayList<GuestBlob>();
        addKernel(image, ramSize, blobs);
        long initrdAddr = 0;
        if (initrd != null && initrd.length > 0) {
            initrdAddr = placeInitrd(image, initrd.length, ramSize);
            blobs.add(new GuestBlob("initrd", initrdAddr, initrd));
        }
        var params = new BootParams(image.header(), CMDLINE, initrdAddr,
                initrd == null ? 0 : initrd.length, e820);
        blobs.add(new GuestBlob("boot_params", BOOT_PARAMS, params.encode()));
        blobs.add(new GuestBlob("cmdline", CMDLINE, cmd));
        blobs.sort(Comparator.comparingLong(GuestBlob::address));
        long entry = image.kernel().entry();
        return new BootImage(new BootStub(entry, BOOT_PARAMS, STACK_TOP).assemble(), blobs, entry);
    }

    private static byte[] commandLine(LinuxImage image, String cmdline) {
        byte[] text = cmdline.getBytes(StandardCharsets.US_ASCII);
        long max = Math.min(image.cmdlineSize(), CMDLINE_LIMIT - 1);
        if (text.length > max) {
            throw new InvalidImageException(image.source() + ": command line of " + text.length
                    + " bytes exceeds the kernel's cmdline_size " + max);
        }
        if (cmdline.indexOf('\0') >= 0 || !StandardCharsets.US_ASCII.newEncoder().canEncode(cmdline)) {
            throw new InvalidImageException("command line must be ASCII without NUL characters: \"" + cmdline + "\"");
        }
        byte[] z = new byte[text.length + 1];
        System.arraycopy(text, 0, z, 0, text.length);
        return z;
    }

    private static void addKernel(LinuxImage image, long ramSize, List<GuestBlob> blobs) {
        var kernel = image.kernel();
        if (kernel.start() < ONE_MIB) {
            throw new InvalidImageException(String.format("%s: kernel segment at 0x%X lies below 1 MiB, over the "
                    + "zero page and firmware", image.source(), kernel.start()));
        }
        if (image.reservedEnd() > ramSize) {
            throw new InvalidImageException(String.format("%s: kernel needs RAM up to 0x%X (load address + init_size) "
                    + "but RAM ends at 0x%X", image.source(), image.reservedEnd(), ramSize));
        }
        int i = 0;
        for (var seg : kernel.segments()) {
            blobs.add(new GuestBlob("kernel segment " + i, seg.physicalAddress(), seg.data()));
            long bss = seg.memorySize() - seg.data().length;
            if (bss > 0) {
                blobs.add(new GuestBlob("kernel segment " + i + " bss", seg.physicalAddress() + seg.data().length,
                        new byte[Math.toIntExact(bss)]));
            }
            i++;
        }
    }

    /** Highest page-aligned spot below min(initrd_addr_max + 1, RAM end), above the kernel. */
    static long placeInitrd(LinuxImage image, long size, long ramSize) {
        long top = Math.min(image.initrdAddrMax() + 1, ramSize);
        long addr = (top - size) & ~(PAGE - 1);
        long floor = (image.reservedEnd() + PAGE - 1) & ~(PAGE - 1);
        if (addr < floor) {
            throw new InvalidImageException(String.format("initrd of %d bytes does not fit between the kernel's end "
                    + "0x%X and 0x%X (min of initrd_addr_max+1 and RAM end); add RAM", size, floor, top));
        }
        return addr;
    }

    static byte[] readInitrd(Path initrd, long ramSize) {
        try {
            long size = Files.size(initrd);
            if (size > ramSize || size > Integer.MAX_VALUE - 8) {
                throw new InvalidImageException(initrd + ": initrd of " + size + " bytes cannot fit in "
                        + ramSize + " bytes of RAM");
            }
            return Files.readAllBytes(initrd);
        } catch (IOException e) {
            throw new InvalidImageException(initrd + ": cannot read initrd: " + e, e);
        }
    }
}
