package dev.tern.pc.boot;

import dev.tern.pc.boot.X86Emitter.Reg32;
import dev.tern.pc.boot.X86Emitter.Segment;

/**
 * The 64 KiB firmware ROM that takes a PC from reset to a kernel's 32-bit entry point: protected
 * mode, paging off, interrupts off, A20 on, flat 4 GiB segments with {@code __BOOT_CS = 0x10} and
 * {@code __BOOT_DS = 0x18}. Which registers carry what at the entry depends on the boot protocol
 * ({@link EntryRegisters}): Linux's 32-bit boot protocol (boot.rst "32-bit BOOT PROTOCOL") wants
 * ESI = zero page, EBP = EDI = EBX = 0; Multiboot wants EAX = 0x2BADB002, EBX = info structure.
 *
 * <p>ROM layout (offsets; the ROM is mapped at 0xF0000 and at 0xFFFF0000):
 * <pre>
 * 0x0000  GDT: null, null, 0x10 code (base 0, limit 4 GiB, exec/read), 0x18 data (read/write)
 * 0x0020  GDTR image: limit 0x1F, base 0x000F0000
 * 0x0030  16-bit code: CLI, CLD, fast A20 on, LGDT, CR0.PE, far jump to 0x10:32-bit code
 *  ...    32-bit code: load DS/ES/FS/GS/SS = 0x18; if CPUID reports a local APIC, put it in
 *         virtual wire mode; ESP, the protocol's entry registers, far jump 0x10:entry
 * 0xFFF0  reset vector: CLI; JMP F000:0030 (into the low alias so 16-bit offsets work)
 * </pre>
 * Unused bytes are 0xFF like erased flash.
 *
 * @param entry     physical address of the kernel's 32-bit entry ({@code startup_32})
 * @param stackTop  initial ESP; the kernel sets its own stack but a sane one costs nothing
 * @param registers what the boot protocol passes in registers
 */
public record BootStub(long entry, long stackTop, EntryRegisters registers) {

    /** ROM image size. */
    public static final int SIZE = 0x10000;
    /** Where the ROM appears below 1 MiB. */
    public static final long LOW_BASE = 0xF0000;
    /** Boot protocol code selector. */
    public static final int BOOT_CS = 0x10;
    /** Boot protocol data selector. */
    public static final int BOOT_DS = 0x18;
    static final int GDT = 0x0000;
    static final int GDT_DESCRIPTOR = 0x0020;
    static final int REAL_MODE_START = 0x0030;
    static final int RESET_VECTOR = 0xFFF0;
    private static final int A20_PORT = 0x92;
    private static final long CPUID_APIC = 1 << 9;
    private static final long LAPIC = 0xFEE0_0000L;
    /** Spurious-interrupt vector register: bit 8 enables the APIC, vector 0xFF. */
    private static final long LAPIC_SVR = 0x0F0;
    private static final long LAPIC_LVT_LINT0 = 0x350;
    private static final long LAPIC_LVT_LINT1 = 0x360;
    private static final long DELIVERY_EXTINT = 0x700;
    private static final long DELIVERY_NMI = 0x400;

    /*
     * Access bytes 0x9B/0x93 have the accessed bit preset: loading a selector sets that bit in
     * the descriptor, and the GDT lives in ROM where such a write would be dropped (or trap).
     * Flags 0xC: 4 KiB granularity, 32-bit default size; limit 0xFFFFF pages = 4 GiB.
     */
    private static final long FLAT_CODE = 0x00CF_9B00_0000_FFFFL;
    private static final long FLAT_DATA = 0x00CF_9300_0000_FFFFL;

    public BootStub {
        java.util.Objects.requireNonNull(registers, "entry registers");
        for (long v : new long[] {entry, stackTop}) {
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("boot stub address 0x" + Long.toHexString(v) + " beyond 32 bits");
            }
        }
    }

    /** The Linux 32-bit boot protocol's stub: ESI = {@code bootParams}. */
    public BootStub(long entry, long bootParams, long stackTop) {
        this(entry, stackTop, new EntryRegisters.Linux(bootParams));
    }

    /** The 64 KiB ROM image. */
    public byte[] assemble() {
        var e = new X86Emitter(SIZE, (byte) 0xFF);
        e.at(GDT).u64(0).u64(0).u64(FLAT_CODE).u64(FLAT_DATA);
        e.at(GDT_DESCRIPTOR).u16(4 * 8 - 1).u32(LOW_BASE + GDT);
        int protectedStart = realMode(e.at(REAL_MODE_START));
        protectedMode(e.at(protectedStart));
        e.at(RESET_VECTOR).cli().jmpFar16((int) (LOW_BASE >> 4), REAL_MODE_START);
        return e.image();
    }

    /** Emits the 16-bit part; returns where the 32-bit part starts. */
    private static int realMode(X86Emitter e) {
        e.cli().cld();
        // Port 0x92 bit 1 opens A20 so addresses with bit 20 set reach RAM; bit 0 would reset the CPU.
        e.inAlImm8(A20_PORT).orAlImm8(0x02).andAlImm8(0xFE).outImm8Al(A20_PORT);
        e.lgdtCsDisp16O32(GDT_DESCRIPTOR);
        e.movEaxCr0().orAlImm8(0x01).movCr0Eax();
        int jumpLength = 8;
        int target = e.position() + jumpLength;
        e.jmpFar32From16(BOOT_CS, LOW_BASE + target);
        return target;
    }

    /**
     * After reset the local APIC is enabled but its LVT entries are masked, which blocks the
     * 8259's INTR on LINT0. Firmware must leave it in virtual wire mode (MP spec 3.6.2.2): a
     * kernel booted with "nolapic" never touches the APIC and would otherwise get no timer
     * interrupt. A CPU without an APIC skips this.
     */
    private static void virtualWire(X86Emitter e) {
        e.movImm32(Reg32.EAX, 1).cpuid().testImm32(Reg32.EDX, CPUID_APIC);
        int writes = 3 * 10;
        e.jzRel8(writes);
        e.movMemImm32(LAPIC + LAPIC_SVR, 0x1FF);
        e.movMemImm32(LAPIC + LAPIC_LVT_LINT0, DELIVERY_EXTINT);
        e.movMemImm32(LAPIC + LAPIC_LVT_LINT1, DELIVERY_NMI);
    }

    private void protectedMode(X86Emitter e) {
        e.movImm32(Reg32.EAX, BOOT_DS);
        for (var s : new Segment[] {Segment.DS, Segment.ES, Segment.FS, Segment.GS, Segment.SS}) {
            e.movSreg(s, Reg32.EAX);
        }
        virtualWire(e);
        e.movImm32(Reg32.ESP, stackTop);
        switch (registers) {
            case EntryRegisters.Linux linux -> {
                e.movImm32(Reg32.ESI, linux.bootParams());
                e.xorSelf(Reg32.EBX).xorSelf(Reg32.EBP).xorSelf(Reg32.EDI);
            }
            case EntryRegisters.Multiboot multiboot -> e.movImm32(Reg32.EAX, EntryRegisters.Multiboot.BOOTLOADER_MAGIC)
                    .movImm32(Reg32.EBX, multiboot.info());
        }
        e.jmpFar32(BOOT_CS, entry);
    }
}
