package dev.tern.pc.boot;

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
 * The ACPI tables read back as a kernel reads them (ACPI 6.5, 5.2.5.1-5.2.12): the RSDP found by
 * its signature on a 16-byte boundary, every checksum over its stated length, the RSDT's pointer to
 * the MADT, and the MADT's structures walked by their length bytes.
 */
class AcpiTablesTest {

    private static final long AT = 0x9fd00;

    private static int sum(byte[] b, int from, int length) {
        int s = 0;
        for (int i = from; i < from + length; i++) {
            s += b[i];
        }
        return s & 0xff;
    }

    /** The MADT's structures as (type, bytes) pairs, after checking the path from the RSDP to it. */
    private static List<byte[]> madt(byte[] area, ByteBuffer madtFields) {
        int p = -1;
        for (int i = 0; i + 20 <= area.length; i += 16) {
            if (new String(area, i, 8, StandardCharsets.US_ASCII).equals("RSD PTR ")) {
                p = i;
                break;
            }
        }
        assertTrue(p >= 0, "no RSDP on a 16-byte boundary");
        assertEquals(0, sum(area, p, 20), "RSDP checksum");
        assertEquals(0, area[p + 15], "revision 0: an RSDT, no XSDT");
        ByteBuffer b = ByteBuffer.wrap(area).order(ByteOrder.LITTLE_ENDIAN);
        int rsdt = (int) (Integer.toUnsignedLong(b.getInt(p + 16)) - AT);
        assertEquals("RSDT", new String(area, rsdt, 4, StandardCharsets.US_ASCII));
        int rsdtLength = b.getInt(rsdt + 4);
        assertEquals(0, sum(area, rsdt, rsdtLength), "RSDT checksum");
        assertEquals(40, rsdtLength, "one entry");
        int madt = (int) (Integer.toUnsignedLong(b.getInt(rsdt + 36)) - AT);
        assertEquals("APIC", new String(area, madt, 4, StandardCharsets.US_ASCII));
        int length = b.getInt(madt + 4);
        assertEquals(0, sum(area, madt, length), "MADT checksum");
        madtFields.putInt(b.getInt(madt + 36)).putInt(b.getInt(madt + 40)).flip();
        List<byte[]> structures = new ArrayList<>();
        for (int at = madt + 44; at < madt + length; ) {
            int len = area[at + 1] & 0xff;
            assertTrue(len >= 2 && at + len <= madt + length, "a structure runs past the MADT at " + at);
            byte[] s = new byte[len];
            System.arraycopy(area, at, s, 0, len);
            structures.add(s);
            at += len;
        }
        return structures;
    }

    @Test
    void aKernelFindsEveryLocalApicTheIoApicAndTheOverridesTheMpTableHas() {
        var pci = List.of(new MpTable.PciRoute(3, 0, 11), new MpTable.PciRoute(4, 0, 10), new MpTable.PciRoute(5, 0, 11));
        byte[] area = AcpiTables.pc(4, 4, 0xfec0_0000L, pci).encode(AT);
        ByteBuffer fields = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> s = madt(area, fields);
        assertEquals(0xfee0_0000L, Integer.toUnsignedLong(fields.getInt()), "local APIC address");
        assertEquals(1, fields.getInt(), "PCAT_COMPAT: the 8259s are there too");

        List<Integer> apicIds = new ArrayList<>();
        List<String> overrides = new ArrayList<>();
        int ioApics = 0;
        int nmis = 0;
        for (byte[] e : s) {
            ByteBuffer b = ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN);
            switch (e[0]) {
                case 0 -> {
                    assertEquals(8, e.length);
                    assertEquals(e[2], e[3], "processor UID = APIC ID");
                    assertEquals(1, b.getInt(4), "enabled");
                    apicIds.add((int) e[3]);
                }
                case 1 -> {
                    assertEquals(12, e.length);
                    assertEquals(4, e[2], "I/O APIC ID");
                    assertEquals(0xfec0_0000L, Integer.toUnsignedLong(b.getInt(4)));
                    assertEquals(0, b.getInt(8), "GSI base");
                    ioApics++;
                }
                case 2 -> {
                    assertEquals(10, e.length);
                    assertEquals(0, e[2], "bus 0: ISA");
                    overrides.add(e[3] + "->" + b.getInt(4) + "/" + b.getShort(8));
                }
                case 4 -> {
                    assertEquals(6, e.length);
                    assertEquals(-1, e[2], "every processor");
                    assertEquals(1, e[5], "LINT1");
                    nmis++;
                }
                default -> throw new AssertionError("unexpected MADT structure type " + e[0]);
            }
        }
        assertEquals(List.of(0, 1, 2, 3), apicIds);
        assertEquals(1, ioApics);
        assertEquals(1, nmis);
        // IRQ 0 on input 2 as the MP table has it; the PCI inputs level and active high (0xd)
        assertEquals(List.of("0->2/0", "10->10/13", "11->11/13"), overrides);
    }

    @Test
    void badPlacesAndValuesAreRefusedNamingThem() {
        var tables = AcpiTables.pc(2, 2, 0xfec0_0000L, List.of());
        var e = assertThrows(IllegalArgumentException.class, () -> tables.encode(0x9fd08));
        assertTrue(e.getMessage().contains("16-byte aligned"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tables.encode(0xfffc0));
        e = assertThrows(IllegalArgumentException.class, () -> AcpiTables.pc(0, 2, 0xfec0_0000L, List.of()));
        assertTrue(e.getMessage().contains("0 processors"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AcpiTables(2, 2, 0xfec0_0000L,
                List.of(new AcpiTables.SourceOverride(0, 2, 0), new AcpiTables.SourceOverride(0, 3, 0))));
        assertTrue(e.getMessage().contains("two interrupt source overrides for IRQ 0"), e.getMessage());
    }
}
