package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Multiboot information structure (spec 0.6.96 section 3.3) Tern hands a kernel in EBX, with
 * the memory sizes (flag bit 0), the command line (bit 2), the memory map (bit 6) and the boot
 * loader's name (bit 9). Encoded as one block: the 88-byte structure, then the memory map, then
 * the name; the command line lives elsewhere because it may be long.
 *
 * @param address    guest-physical address the block is written to
 * @param cmdline    guest-physical address of the NUL-terminated command line
 * @param memoryMap  the PC's e820 map, reported as the Multiboot memory map
 */
public record MultibootInfo(long address, long cmdline, List<E820Entry> memoryMap) {

    static final int FLAG_MEMORY = 1;
    static final int FLAG_CMDLINE = 1 << 2;
    static final int FLAG_MEMORY_MAP = 1 << 6;
    static final int FLAG_LOADER_NAME = 1 << 9;
    /** Size of the structure up to and including the VBE fields. */
    static final int STRUCT_SIZE = 88;
    /** Bytes per memory map entry, including its leading size word (which does not count itself). */
    static final int MAP_ENTRY = 24;
    static final String LOADER_NAME = "Tern";
    private static final long ONE_MIB = 0x100000;

    public MultibootInfo {
        memoryMap = List.copyOf(memoryMap);
    }

    /** The block's bytes: structure, memory map, loader name. */
    public byte[] encode() {
        int mapAt = STRUCT_SIZE;
        int nameAt = mapAt + memoryMap.size() * MAP_ENTRY;
        byte[] name = (LOADER_NAME + '\0').getBytes(StandardCharsets.US_ASCII);
        var b = ByteBuffer.allocate(nameAt + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, FLAG_MEMORY | FLAG_CMDLINE | FLAG_MEMORY_MAP | FLAG_LOADER_NAME);
        b.putInt(4, (int) kib(ramFrom(0)));
        b.putInt(8, (int) Math.min(0xFFFF_FFFFL, kib(ramFrom(ONE_MIB))));
        b.putInt(16, (int) cmdline);
        b.putInt(44, memoryMap.size() * MAP_ENTRY);
        b.putInt(48, (int) (address + mapAt));
        b.putInt(64, (int) (address + nameAt));
        int at = mapAt;
        for (var e : memoryMap) {
            b.putInt(at, MAP_ENTRY - 4);
            b.putLong(at + 4, e.address());
            b.putLong(at + 12, e.size());
            b.putInt(at + 20, e.type().code());
            at += MAP_ENTRY;
        }
        b.put(nameAt, name);
        return b.array();
    }

    /**
     * Bytes of RAM contiguous from {@code start} (mem_lower counts from 0, mem_upper from 1 MiB:
     * both stop at the first hole, as the spec defines them).
     */
    private long ramFrom(long start) {
        long end = start;
        boolean grew = true;
        while (grew) {
            grew = false;
            for (var e : memoryMap) {
                if (e.type() == E820Entry.Type.RAM && e.address() <= end && e.address() + e.size() > end) {
                    end = e.address() + e.size();
                    grew = true;
                }
            }
        }
        return end - start;
    }

    private static long kib(long bytes) {
        return bytes >> 10;
    }
}
