package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * The zero page ({@code struct boot_params}, Documentation/arch/x86/zero-page.rst) a 32-bit boot
 * hands to the kernel in ESI: the image's setup header with the loader's fields filled in and the
 * e820 memory map. The screen_info block stays zero, which the kernel reads as "no VGA" (the
 * console is the serial port).
 *
 * @param header       the bzImage's header, copied verbatim before the loader fields are set;
 *                     empty for a bare vmlinux (a minimal 2.15 header is synthesised)
 * @param cmdLinePtr   physical address of the NUL-terminated command line
 * @param ramdiskImage physical address of the initrd, 0 when there is none
 * @param ramdiskSize  initrd length in bytes, 0 when there is none
 * @param e820         the memory map, at most {@link #E820_MAX} entries
 */
public record BootParams(Optional<SetupHeader> header, long cmdLinePtr, long ramdiskImage, long ramdiskSize,
                         List<E820Entry> e820) {

    /** The zero page is one 4 KiB page. */
    public static final int SIZE = 4096;
    /** boot_params.alt_mem_k: KiB of memory above 1 MiB (legacy, used only without e820). */
    static final int OFF_ALT_MEM_K = 0x1E0;
    /** boot_params.e820_entries (u8). */
    static final int OFF_E820_ENTRIES = 0x1E8;
    /** boot_params.sentinel: must be 0 or the kernel distrusts the loader's zeroing. */
    static final int OFF_SENTINEL = 0x1EF;
    /** boot_params.hdr.setup_data (u64): no setup_data chain. */
    static final int OFF_SETUP_DATA = 0x250;
    /** boot_params.e820_table. */
    static final int OFF_E820_TABLE = 0x2D0;
    /** E820_MAX_ENTRIES_ZEROPAGE. */
    static final int E820_MAX = 128;
    /** Loader id 0xFF: "undefined" boot loader, the value for loaders without an assigned id. */
    static final int TYPE_OF_LOADER = 0xFF;
    /** Heap end as an offset from the real-mode code, minus 0x200 stack as boot.rst's sample does. */
    static final int HEAP_END_PTR = 0xFE00 - 0x200;
    /** loadflags KEEP_SEGMENTS is obsolete and must not be set by a loader. */
    private static final int KEEP_SEGMENTS = 0x40;
    private static final int SYNTHETIC_VERSION = 0x020F;

    public BootParams {
        e820 = List.copyOf(e820);
        if (e820.isEmpty() || e820.size() > E820_MAX) {
            throw new IllegalArgumentException("e820 map has " + e820.size() + " entries; need 1.." + E820_MAX);
        }
        for (long v : new long[] {cmdLinePtr, ramdiskImage, ramdiskSize}) {
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("boot_params 32-bit field value 0x" + Long.toHexString(v)
                        + " does not fit in 32 bits");
            }
        }
    }

    /**
     * The PC memory map for {@code ramSize} bytes of RAM laid out as [0, 640 KiB) and
     * [1 MiB, ramSize): the top KiB of low RAM is reserved as an EBDA, the system ROM window at
     * 0xF0000 and the firmware's alias below 4 GiB are reserved.
     */
    public static List<E820Entry> pcMemoryMap(long ramSize, int firmwareSize) {
        if (ramSize <= 0x100000) {
            throw new IllegalArgumentException("RAM size 0x" + Long.toHexString(ramSize) + " must exceed 1 MiB");
        }
        long highRom = 0x1_0000_0000L - firmwareSize;
        if (ramSize > highRom) {
            throw new IllegalArgumentException(String.format("RAM size 0x%X overlaps the firmware at 0x%X",
                    ramSize, highRom));
        }
        return List.of(new E820Entry(0, 0x9FC00, E820Entry.Type.RAM),
                new E820Entry(0x9FC00, 0x400, E820Entry.Type.RESERVED),
                new E820Entry(0xF0000, 0x10000, E820Entry.Type.RESERVED),
                new E820Entry(0x100000, ramSize - 0x100000, E820Entry.Type.RAM),
                new E820Entry(highRom, firmwareSize, E820Entry.Type.RESERVED));
    }

    /** The 4 KiB zero page. */
    public byte[] encode() {
        byte[] page = new byte[SIZE];
        var b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        header.ifPresentOrElse(h -> System.arraycopy(h.raw(), 0, page, SetupHeader.START, h.raw().length),
                () -> synthesiseHeader(b));
        page[OFF_SENTINEL] = 0;
        page[SetupHeader.OFF_TYPE_OF_LOADER] = (byte) TYPE_OF_LOADER;
        int flags = page[SetupHeader.OFF_LOADFLAGS] & 0xFF & ~KEEP_SEGMENTS;
        page[SetupHeader.OFF_LOADFLAGS] = (byte) (flags | SetupHeader.LOADED_HIGH | SetupHeader.CAN_USE_HEAP);
        b.putShort(SetupHeader.OFF_HEAP_END_PTR, (short) HEAP_END_PTR);
        b.putInt(SetupHeader.OFF_CMD_LINE_PTR, (int) cmdLinePtr);
        b.putInt(SetupHeader.OFF_RAMDISK_IMAGE, (int) ramdiskImage);
        b.putInt(SetupHeader.OFF_RAMDISK_SIZE, (int) ramdiskSize);
        b.putInt(SetupHeader.OFF_HARDWARE_SUBARCH, 0);
        b.putLong(SetupHeader.OFF_HARDWARE_SUBARCH + 4, 0);
        b.putLong(OFF_SETUP_DATA, 0);
        b.putInt(OFF_ALT_MEM_K, (int) Math.min(0xFFFF_FFFFL, extendedKib()));
        writeE820(b);
        return page;
    }

    private long extendedKib() {
        return e820.stream().filter(e -> e.type() == E820Entry.Type.RAM && e.address() >= 0x100000)
                .mapToLong(E820Entry::size).sum() >> 10;
    }

    private void writeE820(ByteBuffer b) {
        b.put(OFF_E820_ENTRIES, (byte) e820.size());
        int at = OFF_E820_TABLE;
        for (var e : e820) {
            b.putLong(at, e.address());
            b.putLong(at + 8, e.size());
            b.putInt(at + 16, e.type().code());
            at += E820Entry.SIZE;
        }
    }

    /** A bare vmlinux has no header; the kernel still checks the magic and version fields. */
    private static void synthesiseHeader(ByteBuffer b) {
        b.putShort(SetupHeader.OFF_BOOT_FLAG, (short) 0xAA55);
        b.put(SetupHeader.OFF_JUMP + 1, (byte) (0x268 + 4 - SetupHeader.OFF_HEADER));
        b.putInt(SetupHeader.OFF_HEADER, SetupHeader.MAGIC);
        b.putShort(SetupHeader.OFF_VERSION, (short) SYNTHETIC_VERSION);
        b.putInt(SetupHeader.OFF_INITRD_ADDR_MAX, 0x37FF_FFFF);
        b.putInt(SetupHeader.OFF_CMDLINE_SIZE, 2047);
    }
}
