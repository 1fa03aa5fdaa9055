package dev.tern.pc.boot;

/**
 * What a boot protocol hands its kernel in general registers at the 32-bit entry point; the
 * {@link BootStub} loads them last, just before its far jump.
 */
public sealed interface EntryRegisters {

    /**
     * Linux's 32-bit boot protocol (boot.rst): ESI = the zero page; EBX, EBP and EDI must be 0.
     *
     * @param bootParams physical address of {@code struct boot_params}
     */
    record Linux(long bootParams) implements EntryRegisters {

        public Linux {
            check(bootParams);
        }
    }

    /**
     * Multiboot (version 0.6.96, "Machine state"): EAX = the boot loader magic 0x2BADB002 that tells
     * the kernel a Multiboot loader started it, EBX = the information structure.
     *
     * @param info physical address of the Multiboot information structure
     */
    record Multiboot(long info) implements EntryRegisters {

        /** The value EAX carries into a Multiboot kernel. */
        public static final long BOOTLOADER_MAGIC = 0x2BADB002L;

        public Multiboot {
            check(info);
        }
    }

    private static void check(long address) {
        if (address < 0 || address > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("boot stub address 0x" + Long.toHexString(address) + " beyond 32 bits");
        }
    }
}
