package dev.tern.x86.ops;

/**
 * The MSRs a guest OS writes once and relies on afterwards, beyond the TSC and IA32_APIC_BASE
 * (which the CPU state holds itself). All are zero after RESET.
 *
 * @param sysenterCs IA32_SYSENTER_CS (0x174); bits 15:2 select the segments
 * @param sysenterEsp IA32_SYSENTER_ESP (0x175)
 * @param sysenterEip IA32_SYSENTER_EIP (0x176)
 * @param tscAux IA32_TSC_AUX (0xC0000103), what RDTSCP returns in ECX
 */
public record ModelSpecificRegisters(int sysenterCs, int sysenterEsp, int sysenterEip, int tscAux) {

    public static final ModelSpecificRegisters RESET = new ModelSpecificRegisters(0, 0, 0, 0);
}
