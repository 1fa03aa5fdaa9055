package dev.tern.x86;

import dev.tern.x86.fpu.X87State;

import java.util.List;
import java.util.Optional;

/**
 * The complete architectural state of one x86 vCPU, x87 registers included.
 *
 * @param gprs EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI
 * @param eip instruction pointer (offset in CS)
 * @param eflags EFLAGS
 * @param segments ES, CS, SS, DS, FS, GS
 * @param ldtr LDTR with its cache
 * @param tr task register with its cache
 * @param gdtBase GDTR base
 * @param gdtLimit GDTR limit
 * @param idtBase IDTR base
 * @param idtLimit IDTR limit
 * @param cr0 CR0
 * @param cr2 CR2
 * @param cr3 CR3
 * @param cr4 CR4
 * @param dr DR0..DR7
 * @param cpl current privilege level
 * @param tscOffset TSC minus the virtual-clock-derived count
 * @param apicBase IA32_APIC_BASE as last written
 * @param instructionCount instructions retired since reset
 * @param halted stopped by HLT, waiting for an interrupt
 * @param interruptShadow interrupts are inhibited for one more instruction (after STI / MOV SS)
 * @param interruptRequest level of the INTR pin
 * @param a20 the A20 gate is enabled
 * @param fpu the x87 state (the power-on state when the CPU has no FPU)
 */
public record X86State(int[] gprs, int eip, int eflags, List<SegmentState> segments, SegmentState ldtr,
                       SegmentState tr, int gdtBase, int gdtLimit, int idtBase, int idtLimit, int cr0, int cr2,
                       int cr3, int cr4, int[] dr, int cpl, long tscOffset, long apicBase, long instructionCount,
                       boolean halted, boolean interruptShadow, boolean interruptRequest, boolean a20, X87State fpu) {

    /** The x87 state after power-on (FNINIT, all registers +0). */
    public static final X87State FPU_POWER_ON = new dev.tern.x86.fpu.X87().save();

    /** Why this state cannot be loaded, or empty when it is consistent. */
    public Optional<String> problem() {
        if (gprs == null || gprs.length != 8) {
            return Optional.of("gprs must hold 8 registers");
        }
        if (dr == null || dr.length != 8) {
            return Optional.of("dr must hold DR0..DR7");
        }
        if (segments == null || segments.size() != 6 || segments.stream().anyMatch(java.util.Objects::isNull) || ldtr == null || tr == null) {
            return Optional.of("segments must hold ES, CS, SS, DS, FS, GS plus LDTR and TR");
        }
        if (fpu == null) {
            return Optional.of("fpu state is missing");
        }
        if (cpl < 0 || cpl > 3) {
            return Optional.of("cpl " + cpl + " is not 0..3");
        }
        if ((eflags & 2) == 0 || (eflags & 0xffc08028) != 0) {
            return Optional.of("eflags 0x" + Integer.toHexString(eflags) + " has reserved bits wrong");
        }
        if ((cr0 & 0x80000001) == 0x80000000) {
            return Optional.of("cr0 0x" + Integer.toHexString(cr0) + " enables paging without protection");
        }
        if ((cr4 & ~0x29f) != 0) {
            return Optional.of("cr4 0x" + Integer.toHexString(cr4) + " sets unsupported bits");
        }
        if ((cr0 & 1) == 0 && cpl != 0) {
            return Optional.of("cpl " + cpl + " in real mode");
        }
        if ((eflags & 0x20000) != 0 && ((cr0 & 1) == 0 || cpl != 3)) {
            return Optional.of("virtual-8086 mode (eflags.VM) needs protected mode and cpl 3, found cr0 0x"
                    + Integer.toHexString(cr0) + " cpl " + cpl);
        }
        if (gdtLimit < 0 || gdtLimit > 0xffff || idtLimit < 0 || idtLimit > 0xffff) {
            return Optional.of("descriptor table limits must be 16-bit");
        }
        if (instructionCount < 0) {
            return Optional.of("negative instruction count");
        }
        for (SegmentState s : segments) {
            if (s.selector() < 0 || s.selector() > 0xffff) {
                return Optional.of("segment selector 0x" + Integer.toHexString(s.selector()) + " is not 16-bit");
            }
        }
        return Optional.empty();
    }
}
