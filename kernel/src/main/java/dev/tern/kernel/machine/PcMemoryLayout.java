package dev.tern.kernel.machine;

import dev.tern.kernel.memory.GuestRam;

/**
 * The PC's physical memory map: conventional RAM below 640 KiB, the legacy hole (VGA, option and
 * system ROM windows) up to 1 MiB, extended RAM above, and the firmware ROM mirrored at the top of
 * the first MiB and of the 4 GiB space (where the reset vector {@code FFFF_FFF0} lands).
 */
final class PcMemoryLayout {

    static final long LOW_RAM_END = 0xA0000;
    static final long ONE_MIB = 0x100000;
    static final long FOUR_GIB = 0x1_0000_0000L;

    private PcMemoryLayout() {
    }

    static GuestRam build(long ramSize, byte[] firmware) {
        var b = GuestRam.builder().ram("ram-low", 0, Math.min(ramSize, LOW_RAM_END));
        if (ramSize > ONE_MIB) {
            b.ram("ram", ONE_MIB, ramSize - ONE_MIB);
        }
        if (firmware != null) {
            b.rom("bios-low", ONE_MIB - firmware.length, firmware);
            b.rom("bios", FOUR_GIB - firmware.length, firmware);
        }
        return b.build();
    }
}
