package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ACPI tables that describe a PC's interrupt controllers (ACPI 6.5, sections 5.2.5, 5.2.7 and
 * 5.2.12): a revision-0 RSDP pointing at an RSDT whose only entry is the MADT, which lists every
 * local APIC, the I/O APIC and the interrupt source overrides. It says what the MP table says
 * ({@link MpTable#pc}), for a kernel that boots with ACPI on; there is no FADT or DSDT, so a kernel
 * takes its processors and interrupt wiring from here and nothing else (docs/smp.md).
 *
 * @param cpus local APICs with IDs 0..cpus-1 (processor UIDs the same), all enabled
 * @param ioApicId the I/O APIC's ID
 * @param ioApicAddress its register page
 * @param overrides the interrupt source overrides, in order
 */
public record AcpiTables(int cpus, int ioApicId, long ioApicAddress, List<SourceOverride> overrides) {

    /** The RSDP's size in revision 0 (ACPI 1.0). */
    public static final int RSDP_SIZE = 20;
    /** Every system description table starts with this header. */
    static final int HEADER_SIZE = 36;
    private static final int RSDT_SIZE = HEADER_SIZE + 4;
    private static final byte[] OEM_ID = "TERN  ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OEM_TABLE_ID = "TERN PC ".getBytes(StandardCharsets.US_ASCII);

    /** MADT flag: the machine also has dual 8259s (PCAT_COMPAT), which the OS must mask to use the APICs. */
    static final int PCAT_COMPAT = 1;
    /** Interrupt flags: polarity in bits 0-1, trigger mode in bits 2-3 (ACPI table 5.50). */
    public static final int CONFORMS = 0;
    public static final int ACTIVE_HIGH = 1;
    public static final int LEVEL = 3 << 2;

    /**
     * An interrupt source override: ISA IRQ {@code irq} arrives on global system interrupt {@code gsi}.
     *
     * @param irq the ISA IRQ (bus 0, ISA)
     * @param gsi the global system interrupt (the I/O APIC input, its base being 0)
     * @param flags polarity and trigger mode ({@link #CONFORMS}, or {@link #ACTIVE_HIGH} | {@link #LEVEL})
     */
    public record SourceOverride(int irq, int gsi, int flags) {
        public SourceOverride {
            if (irq < 0 || irq > 15 || gsi < 0 || gsi > 255 || (flags & ~0xf) != 0) {
                throw new IllegalArgumentException("ACPI interrupt source override IRQ " + irq + " -> GSI " + gsi
                        + " flags 0x" + Integer.toHexString(flags) + ": IRQ must be 0..15, GSI 0..255, flags 4 bits");
            }
        }
    }

    public AcpiTables {
        if (cpus < 1 || cpus > 255) {
            throw new IllegalArgumentException("MADT: " + cpus + " processors; APIC IDs allow 1..255");
        }
        if (ioApicId < 0 || ioApicId > 0xff) {
            throw new IllegalArgumentException("MADT: I/O APIC ID " + ioApicId + " is not 0..255");
        }
        if (ioApicAddress < 0 || ioApicAddress > 0xffff_ffffL) {
            throw new IllegalArgumentException("MADT: I/O APIC address 0x" + Long.toHexString(ioApicAddress)
                    + " is not a 32-bit address");
        }
        overrides = List.copyOf(overrides);
        Set<Integer> irqs = new HashSet<>();
        for (SourceOverride o : overrides) {
            if (!irqs.add(o.irq())) {
                throw new IllegalArgumentException("MADT: two interrupt source overrides for IRQ " + o.irq());
            }
        }
    }

    /**
     * The tables of a PC wired as {@link MpTable#pc} wires it: IRQ 0 (the PIT) on input 2, and each
     * input a PCI pin drives level-triggered and active high (the other ISA IRQs on the input of
     * their number, edge, as ISA conforms, need no override).
     */
    public static AcpiTables pc(int cpus, int ioApicId, long ioApicAddress, List<MpTable.PciRoute> pci) {
        List<SourceOverride> o = new ArrayList<>();
        o.add(new SourceOverride(0, 2, CONFORMS));
        Set<Integer> levelInputs = new java.util.TreeSet<>();
        pci.forEach(r -> levelInputs.add(r.intin()));
        for (int intin : levelInputs) {
            if (intin < 16 && intin != 0 && intin != 2) {
                o.add(new SourceOverride(intin, intin, ACTIVE_HIGH | LEVEL));
            }
        }
        return new AcpiTables(cpus, ioApicId, ioApicAddress, o);
    }

    /** The MADT's size: header, two fields, then 8 bytes per local APIC, 12 for the I/O APIC, 10 per override, 6 for the NMI. */
    int madtSize() {
        return HEADER_SIZE + 8 + 8 * cpus + 12 + 10 * overrides.size() + 6;
    }

    /** Bytes {@link #encode} produces: the RSDP (padded to 16), the RSDT (padded to 4), the MADT. */
    public int size() {
        return 32 + RSDT_SIZE + madtSize();
    }

    /**
     * The RSDP at {@code address} followed by the RSDT and the MADT, every checksum filled in.
     *
     * @throws IllegalArgumentException when {@code address} is not 16-byte aligned or the tables would
     *         not end below 1 MiB (where a kernel searches for the RSDP)
     */
    public byte[] encode(long address) {
        if ((address & 0xf) != 0 || address < 0 || address + size() > 0x10_0000) {
            throw new IllegalArgumentException("ACPI RSDP at 0x" + Long.toHexString(address)
                    + ": must be 16-byte aligned with the tables below 1 MiB");
        }
        int rsdt = 32;
        int madt = rsdt + RSDT_SIZE;
        ByteBuffer out = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        out.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put(OEM_ID).put((byte) 0)
                .putInt((int) (address + rsdt));
        out.put(8, checksum(out.array(), 0, RSDP_SIZE));

        out.position(rsdt);
        header(out, "RSDT", RSDT_SIZE, 1);
        out.putInt((int) (address + madt));
        out.put(rsdt + 9, checksum(out.array(), rsdt, RSDT_SIZE));

        out.position(madt);
        header(out, "APIC", madtSize(), 1);
        out.putInt((int) MpTable.LOCAL_APIC_ADDRESS).putInt(PCAT_COMPAT);
        for (int id = 0; id < cpus; id++) {
            out.put((byte) 0).put((byte) 8).put((byte) id).put((byte) id).putInt(1); // enabled
        }
        out.put((byte) 1).put((byte) 12).put((byte) ioApicId).put((byte) 0).putInt((int) ioApicAddress).putInt(0);
        for (SourceOverride o : overrides) {
            out.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) o.irq()).putInt(o.gsi()).putShort((short) o.flags());
        }
        // LINT1 of every processor (UID 0xff) is the NMI input, as the MP table's local interrupt entry says
        out.put((byte) 4).put((byte) 6).put((byte) 0xff).putShort((short) CONFORMS).put((byte) 1);
        out.put(madt + 9, checksum(out.array(), madt, madtSize()));
        return out.array();
    }

    private static void header(ByteBuffer out, String signature, int length, int revision) {
        out.put(signature.getBytes(StandardCharsets.US_ASCII)).putInt(length).put((byte) revision).put((byte) 0)
                .put(OEM_ID).put(OEM_TABLE_ID).putInt(1).put("TERN".getBytes(StandardCharsets.US_ASCII)).putInt(1);
    }

    /** The byte that makes {@code length} bytes from {@code from} sum to zero (its own slot being zero). */
    private static byte checksum(byte[] b, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }
}
