package dev.tern.pc.boot;

import dev.tern.pc.boot.MpTable.PciRoute;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MP table read back the way a kernel reads it (MP specification 1.4, chapter 4): signature
 * search on paragraphs, checksums over the stated lengths, entries walked by type-dependent size.
 */
class MpTableTest {

    /** Where the table goes in these tests: the last KiB of 639 KiB of base memory. */
    private static final long AT = 0x9fc00;
    private static final int SIGNATURE = 0x0633;
    private static final int FEATURES = 0x0000_0201;

    /** One decoded entry: its type and raw bytes. */
    private record Raw(int type, byte[] bytes) {
        int u8(int i) {
            return bytes[i] & 0xff;
        }
    }

    /** A kernel's view: finds "_MP_" in {@code area}, checks it, follows the pointer into the same area. */
    private static List<Raw> read(byte[] area, long areaBase) {
        int p = -1;
        for (int i = 0; i + 16 <= area.length; i += 16) {
            if (new String(area, i, 4, StandardCharsets.US_ASCII).equals("_MP_")) {
                p = i;
                break;
            }
        }
        assertTrue(p >= 0, "no floating pointer on a paragraph boundary");
        ByteBuffer fp = ByteBuffer.wrap(area, p, 16).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, area[p + 8], "pointer length in paragraphs");
        assertEquals(4, area[p + 9], "spec revision 1.4");
        assertEquals(0, sum(area, p, 16), "floating pointer checksum");
        assertEquals(0, area[p + 11], "feature byte 1: a configuration table is present");
        long table = Integer.toUnsignedLong(fp.getInt(p + 4));
        int t = (int) (table - areaBase);
        ByteBuffer h = ByteBuffer.wrap(area).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("PCMP", new String(area, t, 4, StandardCharsets.US_ASCII));
        int length = Short.toUnsignedInt(h.getShort(t + 4));
        assertEquals(4, area[t + 6]);
        assertEquals(0, sum(area, t, length), "base table checksum");
        assertEquals(0xfee0_0000L, Integer.toUnsignedLong(h.getInt(t + 36)), "local APIC address");
        assertEquals(0, h.getShort(t + 40), "no extended table");
        int count = Short.toUnsignedInt(h.getShort(t + 34));
        List<Raw> entries = new ArrayList<>();
        int at = t + 44;
        for (int i = 0; i < count; i++) {
            int type = area[at] & 0xff;
            int size = type == 0 ? 20 : 8;
            byte[] b = new byte[size];
            System.arraycopy(area, at, b, 0, size);
            entries.add(new Raw(type, b));
            at += size;
        }
        assertEquals(t + length, at, "entries fill the stated length exactly");
        return entries;
    }

    private static int sum(byte[] b, int from, int length) {
        int s = 0;
        for (int i = from; i < from + length; i++) {
            s += b[i];
        }
        return s & 0xff;
    }

    @Test
    void aTwoProcessorPcReadsBackEntryByEntry() {
        MpTable t = MpTable.pc(2, SIGNATURE, FEATURES, 2, 0xfec0_0000L,
                List.of(new PciRoute(3, 0, 10), new PciRoute(4, 0, 11)));
        byte[] area = new byte[1024];
        byte[] encoded = t.encode(AT);
        System.arraycopy(encoded, 0, area, 0, encoded.length);
        List<Raw> e = read(area, AT);

        List<Integer> types = e.stream().map(Raw::type).toList();
        for (int i = 1; i < types.size(); i++) {
            assertTrue(types.get(i - 1) <= types.get(i), "entries sorted by type: " + types);
        }
        assertEquals(2 + 2 + 1 + 1 + 13 + 2 + 2, e.size(), "no ISA entry for the inputs PCI drives (10, 11)");

        Raw bsp = e.get(0);
        Raw ap = e.get(1);
        assertEquals(0, bsp.u8(1));
        assertEquals(0x14, bsp.u8(2));
        assertEquals(0x03, bsp.u8(3), "enabled, bootstrap");
        assertEquals(SIGNATURE, ByteBuffer.wrap(bsp.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(4));
        assertEquals(FEATURES, ByteBuffer.wrap(bsp.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        assertEquals(1, ap.u8(1));
        assertEquals(0x01, ap.u8(3), "enabled, not bootstrap");

        assertEquals("PCI   ", new String(e.get(2).bytes(), 2, 6, StandardCharsets.US_ASCII));
        assertEquals(0, e.get(2).u8(1));
        assertEquals("ISA   ", new String(e.get(3).bytes(), 2, 6, StandardCharsets.US_ASCII));
        assertEquals(1, e.get(3).u8(1));

        Raw io = e.get(4);
        assertEquals(2, io.type());
        assertEquals(2, io.u8(1));
        assertEquals(0x20, io.u8(2));
        assertEquals(1, io.u8(3), "enabled");
        assertEquals(0xfec0_0000L, Integer.toUnsignedLong(ByteBuffer.wrap(io.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(4)));

        List<Raw> ioInts = e.stream().filter(r -> r.type() == 3).toList();
        Raw extInt = ioInts.getFirst();
        assertEquals(List.of(3, 1, 0, 2, 0), List.of(extInt.u8(1), extInt.u8(4), extInt.u8(5), extInt.u8(6), extInt.u8(7)),
                "the 8259's INTR as ExtINT on input 0");
        int[] intinOfIsaIrq = new int[16];
        java.util.Arrays.fill(intinOfIsaIrq, -1);
        for (Raw r : ioInts) {
            if (r.u8(1) == 0 && r.u8(4) == 1) {
                assertEquals(-1, intinOfIsaIrq[r.u8(5)], "one entry per ISA IRQ");
                intinOfIsaIrq[r.u8(5)] = r.u8(7);
                assertEquals(0, r.u8(2), "ISA: conforms (edge, active high)");
            }
        }
        assertEquals(2, intinOfIsaIrq[0], "the PIT on input 2");
        assertEquals(-1, intinOfIsaIrq[2], "no IRQ 2: it is the cascade");
        for (int irq = 1; irq < 16; irq++) {
            if (irq != 2) {
                assertEquals(irq == 10 || irq == 11 ? -1 : irq, intinOfIsaIrq[irq], "ISA IRQ " + irq);
            }
        }
        List<Raw> pci = ioInts.stream().filter(r -> r.u8(4) == 0).toList();
        assertEquals(2, pci.size());
        assertEquals(3 << 2, pci.get(0).u8(5), "device 3 INTA");
        assertEquals(10, pci.get(0).u8(7));
        assertEquals(0x0d, pci.get(0).u8(2), "level (11) and active high (01)");
        assertEquals(4 << 2, pci.get(1).u8(5));

        List<Raw> local = e.stream().filter(r -> r.type() == 4).toList();
        assertEquals(List.of(3, 0xff, 0), List.of(local.get(0).u8(1), local.get(0).u8(6), local.get(0).u8(7)),
                "LINT0 ExtINT on every local APIC");
        assertEquals(List.of(1, 0xff, 1), List.of(local.get(1).u8(1), local.get(1).u8(6), local.get(1).u8(7)),
                "LINT1 NMI on every local APIC");
    }

    @Test
    void aTableInTheBiosAreaPointsToItsOwnAddress() {
        MpTable t = MpTable.pc(4, SIGNATURE, FEATURES, 4, 0xfec0_0000L, List.of());
        long at = 0xf5a40;
        byte[] area = new byte[0x10000];
        byte[] encoded = t.encode(at);
        System.arraycopy(encoded, 0, area, (int) (at - 0xf0000), encoded.length);
        List<Raw> e = read(area, 0xf0000);
        assertEquals(4, e.stream().filter(r -> r.type() == 0).count());
        assertEquals(t.size(), encoded.length);
    }

    @Test
    void badTablesAreRefusedWithTheFieldNamed() {
        assertThrows(IllegalArgumentException.class, () -> MpTable.pc(0, 0, 0, 1, 0xfec0_0000L, List.of()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MpTable(List.of(
                new MpTable.Processor(0, 0x14, true, 0, 0), new MpTable.Processor(0, 0x14, false, 0, 0))))
                .getMessage().contains("APIC ID 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MpTable(List.of(
                new MpTable.Processor(0, 0x14, false, 0, 0)))).getMessage().contains("bootstrap"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MpTable(List.of(
                new MpTable.Processor(0, 0x14, true, 0, 0),
                new MpTable.IoInterrupt(MpTable.InterruptType.INT, MpTable.Polarity.CONFORMS, MpTable.Trigger.CONFORMS,
                        7, 0, 0xff, 0)))).getMessage().contains("source bus 7"));
        assertThrows(IllegalArgumentException.class, () -> new PciRoute(32, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new PciRoute(1, 4, 10));
        assertThrows(IllegalArgumentException.class, () -> new MpTable.Processor(256, 0x14, true, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new MpTable.Bus(0, "TOOLONG"));
        MpTable ok = MpTable.pc(1, 0, 0, 1, 0xfec0_0000L, List.of());
        assertThrows(IllegalArgumentException.class, () -> ok.encode(AT + 8), "not paragraph aligned");
        assertThrows(IllegalArgumentException.class, () -> ok.encode(0xfffc0), "must end below 1 MiB");
    }
}
