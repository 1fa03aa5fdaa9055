package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An Intel MultiProcessor Specification 1.4 table: the 16-byte floating pointer structure followed
 * by the configuration table (header and base entries), so that a kernel booted with {@code acpi=off}
 * finds the processors, the buses, the I/O APIC and how interrupts are wired (docs/devices/apic.md).
 * {@link #encode} lays both out at one guest address; the pointer must sit where a kernel searches
 * (the first KiB of the EBDA, the last KiB of base memory, or 0xF0000-0xFFFFF).
 *
 * @param entries the base-table entries, written sorted by entry type as the specification requires
 */
public record MpTable(List<Entry> entries) {

    /** The floating pointer structure's size (one paragraph). */
    public static final int POINTER_SIZE = 16;
    /** The configuration table header's size. */
    public static final int HEADER_SIZE = 44;
    /** Specification revision 1.4. */
    static final int SPEC_REV = 4;
    /** Where every CPU's local APIC is mapped. */
    public static final long LOCAL_APIC_ADDRESS = 0xfee0_0000L;

    /** How an interrupt input is signalled (I/O and local interrupt entries). */
    public enum InterruptType {
        /** Vectored through the APIC. */
        INT(0),
        /** Non-maskable. */
        NMI(1),
        /** System management. */
        SMI(2),
        /** Vectored by the 8259. */
        EXTINT(3);

        final int code;

        InterruptType(int code) {
            this.code = code;
        }
    }

    /** Input polarity (PO). */
    public enum Polarity {
        /** As the source bus specifies (ISA: active high). */
        CONFORMS(0),
        /** Active high. */
        HIGH(1),
        /** Active low. */
        LOW(3);

        final int code;

        Polarity(int code) {
            this.code = code;
        }
    }

    /** Input trigger mode (EL). */
    public enum Trigger {
        /** As the source bus specifies (ISA: edge). */
        CONFORMS(0),
        /** Edge. */
        EDGE(1),
        /** Level. */
        LEVEL(3);

        final int code;

        Trigger(int code) {
            this.code = code;
        }
    }

    /** A base-table entry. */
    public sealed interface Entry {
        /** The entry type code (0..4), also the sort key. */
        int type();

        /** Writes the entry (20 bytes for a processor, 8 for the others). */
        void write(ByteBuffer out);
    }

    /**
     * A processor (type 0).
     *
     * @param apicId its local APIC ID
     * @param apicVersion its local APIC version (0x14 for Tern's xAPIC)
     * @param bootstrap whether it is the bootstrap processor
     * @param signature CPUID.1:EAX's stepping, model and family
     * @param features CPUID.1:EDX
     */
    public record Processor(int apicId, int apicVersion, boolean bootstrap, int signature, int features)
            implements Entry {
        public Processor {
            u8(apicId, "APIC ID");
            u8(apicVersion, "APIC version");
        }

        @Override
        public int type() {
            return 0;
        }

        @Override
        public void write(ByteBuffer out) {
            out.put((byte) 0).put(u8(apicId, "APIC ID")).put(u8(apicVersion, "APIC version"))
                    .put((byte) (1 | (bootstrap ? 2 : 0))).putInt(signature).putInt(features).putLong(0);
        }
    }

    /**
     * A bus (type 1).
     *
     * @param id the bus ID other entries name
     * @param kind the bus type string, e.g. {@code "ISA"} or {@code "PCI"} (space-padded to 6)
     */
    public record Bus(int id, String kind) implements Entry {
        public Bus {
            u8(id, "bus ID");
            padded(kind, 6);
        }

        @Override
        public int type() {
            return 1;
        }

        @Override
        public void write(ByteBuffer out) {
            out.put((byte) 1).put(u8(id, "bus ID")).put(padded(kind, 6));
        }
    }

    /**
     * An I/O APIC (type 2), enabled.
     *
     * @param id its I/O APIC ID
     * @param version its version register's low byte
     * @param address its register page
     */
    public record IoApic(int id, int version, long address) implements Entry {
        public IoApic {
            u8(id, "I/O APIC ID");
            u8(version, "I/O APIC version");
            if (address < 0 || address > 0xffff_ffffL) {
                throw new IllegalArgumentException("MP table: I/O APIC address 0x" + Long.toHexString(address)
                        + " is not a 32-bit address");
            }
        }

        @Override
        public int type() {
            return 2;
        }

        @Override
        public void write(ByteBuffer out) {
            out.put((byte) 2).put(u8(id, "I/O APIC ID")).put(u8(version, "I/O APIC version")).put((byte) 1)
                    .putInt((int) address);
        }
    }

    /**
     * An I/O interrupt assignment (type 3): a bus interrupt wired to an I/O APIC input.
     *
     * @param kind how the input is signalled
     * @param polarity its polarity
     * @param trigger its trigger mode
     * @param bus the source bus ID
     * @param busIrq the source: the ISA IRQ, or for PCI {@code device << 2 | INTx} (INTA = 0)
     * @param ioApicId the destination I/O APIC (0xff: all)
     * @param intin the destination input pin
     */
    public record IoInterrupt(InterruptType kind, Polarity polarity, Trigger trigger, int bus, int busIrq,
            int ioApicId, int intin) implements Entry {
        public IoInterrupt {
            u8(bus, "source bus");
            u8(busIrq, "source bus IRQ");
            u8(ioApicId, "I/O APIC ID");
            u8(intin, "INTIN");
        }

        @Override
        public int type() {
            return 3;
        }

        @Override
        public void write(ByteBuffer out) {
            out.put((byte) 3).put((byte) kind.code).putShort((short) (polarity.code | trigger.code << 2))
                    .put(u8(bus, "source bus")).put(u8(busIrq, "source bus IRQ")).put(u8(ioApicId, "I/O APIC ID"))
                    .put(u8(intin, "INTIN"));
        }
    }

    /**
     * A local interrupt assignment (type 4): what drives a local APIC's LINT input.
     *
     * @param kind how it is signalled (LINT0: ExtINT in virtual-wire mode; LINT1: NMI)
     * @param bus the source bus ID
     * @param busIrq the source bus IRQ
     * @param apicId the destination local APIC (0xff: all)
     * @param lint 0 or 1
     */
    public record LocalInterrupt(InterruptType kind, int bus, int busIrq, int apicId, int lint) implements Entry {
        public LocalInterrupt {
            u8(bus, "source bus");
            u8(busIrq, "source bus IRQ");
            u8(apicId, "local APIC ID");
        }

        @Override
        public int type() {
            return 4;
        }

        @Override
        public void write(ByteBuffer out) {
            out.put((byte) 4).put((byte) kind.code).putShort((short) 0).put(u8(bus, "source bus"))
                    .put(u8(busIrq, "source bus IRQ")).put(u8(apicId, "local APIC ID")).put(u8(lint, "LINT"));
        }
    }

    public MpTable {
        entries = entries.stream().sorted(Comparator.comparingInt(Entry::type)).toList();
        check(entries);
    }

    private static void check(List<Entry> entries) {
        Set<Integer> apicIds = new HashSet<>();
        Set<Integer> buses = new HashSet<>();
        Set<Integer> ioApics = new HashSet<>();
        int bootstrap = 0;
        for (Entry e : entries) {
            switch (e) {
                case Processor p -> {
                    if (!apicIds.add(p.apicId())) {
                        throw new IllegalArgumentException("MP table: two processors with APIC ID " + p.apicId());
                    }
                    bootstrap += p.bootstrap() ? 1 : 0;
                }
                case Bus b -> {
                    if (!buses.add(b.id())) {
                        throw new IllegalArgumentException("MP table: two buses with ID " + b.id());
                    }
                }
                case IoApic a -> {
                    if (!ioApics.add(a.id())) {
                        throw new IllegalArgumentException("MP table: two I/O APICs with ID " + a.id());
                    }
                }
                case IoInterrupt i -> {
                    requireKnown(buses, i.bus(), "I/O interrupt source bus");
                    if (i.ioApicId() != 0xff) {
                        requireKnown(ioApics, i.ioApicId(), "I/O interrupt destination I/O APIC");
                    }
                }
                case LocalInterrupt l -> {
                    requireKnown(buses, l.bus(), "local interrupt source bus");
                    if (l.lint() != 0 && l.lint() != 1) {
                        throw new IllegalArgumentException("MP table: a local APIC has LINT0 and LINT1, not LINT" + l.lint());
                    }
                }
            }
        }
        if (bootstrap != 1) {
            throw new IllegalArgumentException("MP table: exactly one bootstrap processor needed, found " + bootstrap);
        }
    }

    private static void requireKnown(Set<Integer> ids, int id, String what) {
        if (!ids.contains(id)) {
            throw new IllegalArgumentException("MP table: " + what + " " + id + " is not declared");
        }
    }

    /**
     * The table of a PC: {@code cpus} processors with APIC IDs 0.. (0 the bootstrap processor), PCI
     * bus 0 and ISA bus 1, one I/O APIC, ISA IRQs 0-15 but the cascade (IRQ 0, the PIT, on input 2;
     * the others on the input of their number; edge, active high), the 8259's INTR as ExtINT on input
     * 0, each {@code pci} route as a level, active-high input (Tern's INTx lines are asserted high)
     * whose input then carries no ISA entry, and LINT0 ExtINT / LINT1 NMI on every local APIC.
     */
    public static MpTable pc(int cpus, int signature, int features, int ioApicId, long ioApicAddress,
            List<PciRoute> pci) {
        if (cpus < 1 || cpus > 255) {
            throw new IllegalArgumentException("MP table: " + cpus + " processors; APIC IDs allow 1..255");
        }
        final int pciBus = 0;
        final int isaBus = 1;
        List<Entry> e = new ArrayList<>();
        for (int id = 0; id < cpus; id++) {
            e.add(new Processor(id, 0x14, id == 0, signature, features));
        }
        e.add(new Bus(pciBus, "PCI"));
        e.add(new Bus(isaBus, "ISA"));
        e.add(new IoApic(ioApicId, 0x20, ioApicAddress));
        e.add(new IoInterrupt(InterruptType.EXTINT, Polarity.CONFORMS, Trigger.CONFORMS, isaBus, 0, ioApicId, 0));
        Set<Integer> pciInputs = new HashSet<>();
        pci.forEach(r -> pciInputs.add(r.intin()));
        for (int irq = 0; irq < 16; irq++) {
            int intin = irq == 0 ? 2 : irq;
            // an input a PCI pin drives is level-triggered: an ISA (edge) entry for it as well would
            // let a kernel that takes the first entry for an input program it edge and miss interrupts
            if (irq != 2 && !pciInputs.contains(intin)) {
                e.add(new IoInterrupt(InterruptType.INT, Polarity.CONFORMS, Trigger.CONFORMS, isaBus, irq, ioApicId,
                        intin));
            }
        }
        for (PciRoute r : pci) {
            e.add(new IoInterrupt(InterruptType.INT, Polarity.HIGH, Trigger.LEVEL, pciBus, r.device() << 2 | r.pin(),
                    ioApicId, r.intin()));
        }
        e.add(new LocalInterrupt(InterruptType.EXTINT, isaBus, 0, 0xff, 0));
        e.add(new LocalInterrupt(InterruptType.NMI, isaBus, 0, 0xff, 1));
        return new MpTable(e);
    }

    /**
     * A PCI interrupt pin's wiring to the I/O APIC.
     *
     * @param device the device number on bus 0 (0..31)
     * @param pin INTA..INTD as 0..3
     * @param intin the I/O APIC input
     */
    public record PciRoute(int device, int pin, int intin) {
        public PciRoute {
            if (device < 0 || device > 31 || pin < 0 || pin > 3 || intin < 0 || intin > 255) {
                throw new IllegalArgumentException("PCI route device " + device + " pin " + pin + " -> INTIN " + intin
                        + ": device must be 0..31, pin 0..3 (INTA..INTD), input 0..255");
            }
        }
    }

    /** Bytes {@link #encode} produces. */
    public int size() {
        return POINTER_SIZE + HEADER_SIZE + entries.stream().mapToInt(e -> e instanceof Processor ? 20 : 8).sum();
    }

    /**
     * The floating pointer at {@code address} followed by the configuration table at
     * {@code address + 16}, checksums filled in.
     *
     * @throws IllegalArgumentException when {@code address} is not 16-byte aligned or the table
     *         would not end below 1 MiB
     */
    public byte[] encode(long address) {
        if ((address & 0xf) != 0 || address < 0 || address + size() > 0x10_0000) {
            throw new IllegalArgumentException("MP floating pointer at 0x" + Long.toHexString(address)
                    + ": must be 16-byte aligned with the table below 1 MiB");
        }
        ByteBuffer out = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        out.put("_MP_".getBytes(StandardCharsets.US_ASCII)).putInt((int) (address + POINTER_SIZE)).put((byte) 1)
                .put((byte) SPEC_REV).put((byte) 0).put((byte) 0).put((byte) 0).put(new byte[3]);
        out.put(10, checksum(out.array(), 0, POINTER_SIZE));

        int tableLength = size() - POINTER_SIZE;
        out.put("PCMP".getBytes(StandardCharsets.US_ASCII)).putShort((short) tableLength).put((byte) SPEC_REV)
                .put((byte) 0).put(padded("TERN", 8)).put(padded("TERN PC", 12)).putInt(0).putShort((short) 0)
                .putShort((short) entries.size()).putInt((int) LOCAL_APIC_ADDRESS).putShort((short) 0).put((byte) 0)
                .put((byte) 0);
        for (Entry e : entries) {
            e.write(out);
        }
        out.put(POINTER_SIZE + 7, checksum(out.array(), POINTER_SIZE, tableLength));
        return out.array();
    }

    /** The byte that makes {@code length} bytes from {@code from} sum to zero (its own slot being zero). */
    private static byte checksum(byte[] b, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }

    private static byte u8(int v, String what) {
        if (v < 0 || v > 0xff) {
            throw new IllegalArgumentException("MP table: " + what + " " + v + " is not 0..255");
        }
        return (byte) v;
    }

    private static byte[] padded(String s, int length) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) ' ');
        byte[] text = s.getBytes(StandardCharsets.US_ASCII);
        if (text.length > length) {
            throw new IllegalArgumentException("MP table: '" + s + "' is longer than " + length + " characters");
        }
        System.arraycopy(text, 0, b, 0, text.length);
        return b;
    }
}
