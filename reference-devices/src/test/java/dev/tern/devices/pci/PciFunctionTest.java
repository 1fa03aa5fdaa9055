package dev.tern.devices.pci;

import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.testkit.io.ArrayPortSpace;
import dev.tern.testkit.io.RangeMmioSpace;
import dev.tern.testkit.irq.RecordingInterruptRouting;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BAR sizing and mapping, command/status and INTx of one function on a bus. */
class PciFunctionTest {

    private final ArrayPortSpace ports = new ArrayPortSpace();
    private final RangeMmioSpace mmio = new RangeMmioSpace();
    private final RecordingInterruptRouting irqs = new RecordingInterruptRouting();
    private final PciBus bus = new PciBus(irqs, new int[] {10, 10, 11, 11});
    private final int[] lastIo = new int[1];

    private final PortIoHandler io = new PortIoHandler() {
        @Override
        public int read(int port, int size) {
            return 0x40 + port;
        }

        @Override
        public void write(int port, int size, int value) {
            lastIo[0] = port << 16 | value;
        }
    };

    private final MmioHandler mem = new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            return 0x1000 + offset;
        }

        @Override
        public void write(long offset, int size, long value) {
        }
    };

    private PciFunction function(String name, int slot) {
        PciFunction f = new PciFunction(name, new PciIdentity(0x1234, 0x5678, 1, 0xff0000, 0x1234, 1, 1),
                List.of(new PciBar.IoBar(0, 32, io), new PciBar.MemoryBar(1, 4096, mem)), ports, mmio);
        bus.attach(slot, f);
        f.reset();
        return f;
    }

    @Test
    void barSizingReadsBackTheSizeMaskAndTypeBits() {
        PciFunction f = function("f", 3);
        assertEquals(0x1, f.read(0x10, 4), "I/O BAR at reset");
        f.write(0x10, 4, 0xffff_ffff);
        assertEquals(0xffff_ffe1, f.read(0x10, 4), "32-byte I/O BAR");
        f.write(0x14, 4, 0xffff_ffff);
        assertEquals(0xffff_f000, f.read(0x14, 4), "4 KiB 32-bit memory BAR");
        f.write(0x18, 4, 0xffff_ffff);
        assertEquals(0, f.read(0x18, 4), "unimplemented BAR stays zero");
        f.write(0x30, 4, 0xffff_ffff);
        assertEquals(0, f.read(0x30, 4), "no expansion ROM");
        assertTrue(ports.claimedPorts().isEmpty() && mmio.mappings().isEmpty(), "decode is off: nothing mapped");
    }

    @Test
    void decodeEnableMapsAndMovingARemaps() {
        PciFunction f = function("f", 3);
        f.write(0x10, 4, 0xc040);
        f.write(0x14, 4, 0xfebf_0000);
        assertTrue(ports.claimedPorts().isEmpty());
        f.write(0x04, 2, 0x1);
        assertEquals(List.of(0xc040, 0xc041), ports.claimedPorts().subList(0, 2));
        assertEquals(32, ports.claimedPorts().size());
        assertEquals(0x40 + 5, ports.read(0xc045, 1), "handler sees the offset in the BAR");
        assertTrue(mmio.mappings().isEmpty(), "memory decode still off");
        f.write(0x04, 2, 0x3);
        assertEquals(0x1000 + 0x10, mmio.read(0xfebf_0010L, 4));
        f.write(0x10, 2, 0xd000); // word write moves the BAR
        assertEquals(0xd000, f.mappedBase(0));
        assertEquals(0xff, ports.read(0xc045, 1), "old range released");
        ports.write(0xd003, 1, 0x77);
        assertEquals(3 << 16 | 0x77, lastIo[0]);
        f.write(0x04, 1, 0x2);
        assertEquals(-1, f.mappedBase(0), "I/O decode off unmaps");
        assertEquals(0xfebf_0000L, f.mappedBase(1));
        f.release();
        assertTrue(ports.claimedPorts().isEmpty() && mmio.mappings().isEmpty());
    }

    @Test
    void conflictingOrOutOfRangeBarsAreNotDecodedAndDoNotThrow() {
        PciFunction a = function("a", 3);
        PciFunction b = function("b", 4);
        a.write(0x10, 4, 0xc000);
        a.write(0x04, 2, 1);
        b.write(0x10, 4, 0xc000);
        b.write(0x04, 2, 1);
        assertEquals(0xc000, a.mappedBase(0));
        assertEquals(-1, b.mappedBase(0), "overlap: not decoded");
        b.write(0x10, 4, 0x1_0000);
        assertEquals(-1, b.mappedBase(0), "above 64 KiB: not decoded");
        b.write(0x10, 4, 0xc100);
        assertEquals(0xc100, b.mappedBase(0), "a free place decodes again");
    }

    @Test
    void interruptLineIsWiredAtResetAndSharedIrqsAreOred() {
        PciFunction a = function("a", 1); // INTA of slot 1 -> PIRQB -> 10
        PciFunction b = function("b", 4); // slot 4 -> PIRQA -> 10
        PciFunction c = function("c", 2); // slot 2 -> PIRQC -> 11
        assertEquals(10, a.read(0x3c, 1));
        assertEquals(10, b.read(0x3c, 1));
        assertEquals(11, c.read(0x3c, 1));
        a.write(0x3c, 1, 5);
        assertEquals(5, a.read(0x3c, 1), "INTERRUPT_LINE is a scratch register for the guest");
        a.reset();
        assertEquals(10, a.read(0x3c, 1));
        a.setInterrupt(true);
        b.setInterrupt(true);
        assertTrue(irqs.level(10));
        a.setInterrupt(false);
        assertTrue(irqs.level(10), "still asserted by b");
        b.setInterrupt(false);
        assertFalse(irqs.level(10));
        c.setInterrupt(true);
        assertTrue(irqs.level(11));
        assertEquals(0x08, c.read(0x06, 1) & 0x08, "status shows the interrupt");
        c.write(0x04, 2, 0x400);
        assertFalse(irqs.level(11), "INTx disable masks the pin");
        assertEquals(0x08, c.read(0x06, 1) & 0x08, "status still shows it");
        c.write(0x04, 2, 0);
        assertTrue(irqs.level(11));
    }

    @Test
    void statusErrorBitsClearOnWriteOneAndStateRefusesForeignConfig() {
        PciFunction f = function("f", 3);
        var s = f.section("f");
        byte[] cfg = s.save().config();
        cfg[0x07] = (byte) 0xf9;
        f.section("f").load(new PciFunctionState(cfg));
        assertEquals(0xf9, f.read(0x07, 1));
        f.write(0x06, 2, 0x8000);
        assertEquals(0x79, f.read(0x07, 1), "only the written one cleared");
        byte[] foreign = s.save().config();
        foreign[0] = 0x11;
        assertTrue(s.validate(new PciFunctionState(foreign)).orElseThrow().contains("read-only"));
        assertTrue(s.validate(new PciFunctionState(new byte[12])).isPresent());
    }

    @SuppressWarnings("unchecked")
    private static dev.tern.spi.state.Subsection<PciAddressState> address(PciFunction f) {
        var subs = f.section(f.owner()).subsections();
        assertEquals(List.of("address"), subs.stream().map(dev.tern.spi.state.Subsection::name).toList());
        return (dev.tern.spi.state.Subsection<PciAddressState>) subs.getFirst();
    }

    @Test
    void theSlotTravelsInTheAddressSubsectionAndAnotherSlotIsRefusedNamingBoth() {
        PciFunction source = function("hd1", 7);
        var saved = address(source);
        assertTrue(saved.needed());
        assertEquals(new PciAddressState(0, 7, 0), saved.save());

        PciBus other = new PciBus(irqs, new int[] {10, 10, 11, 11});
        PciFunction here = new PciFunction("hd1", new PciIdentity(0x1234, 0x5678, 1, 0xff0000, 0x1234, 1, 1),
                List.of(new PciBar.IoBar(0, 32, io)), new ArrayPortSpace(), new RangeMmioSpace());
        assertFalse(address(here).needed(), "a function on no bus has no address to write");
        assertTrue(address(here).validate(saved.save()).orElseThrow().contains("on no PCI bus here"));
        other.attach(5, here);
        String why = address(here).validate(saved.save()).orElseThrow();
        assertEquals("device hd1 is in PCI slot 0x07 on the source but in slot 0x05 here: start this machine with"
                + " --device ...,name=hd1,addr=0x07 (or device_add ...,id=hd1,addr=0x07)", why);
        assertTrue(address(source).validate(saved.save()).isEmpty(), "the same slot loads");
        assertTrue(address(source).validate(new PciAddressState(1, 7, 0)).orElseThrow().contains("01:07.0"));
        assertTrue(address(source).validate(new PciAddressState(0, 7, 2)).orElseThrow().contains("00:07.2"));
        assertTrue(address(source).validate(new PciAddressState(0, 40, 0)).orElseThrow().contains("not 0..31"));
    }

    @Test
    void loadingStateRecreatesMappings() {
        PciFunction f = function("f", 3);
        f.write(0x10, 4, 0xc040);
        f.write(0x04, 2, 1);
        PciFunctionState saved = f.section("f").save();
        f.reset();
        assertEquals(-1, f.mappedBase(0));
        f.section("f").load(saved);
        assertEquals(0xc040, f.mappedBase(0));
    }

    @Test
    void seededFuzzOfConfigWritesKeepsInvariants() {
        PciFunction f = function("f", 3);
        Random rnd = new Random(0x9c1);
        for (int i = 0; i < 50_000; i++) {
            int size = 1 << rnd.nextInt(3);
            f.write(rnd.nextInt(260) - 2, size, rnd.nextInt());
            assertEquals(0x5678_1234, f.read(0, 4));
            assertEquals(1, f.read(0x10, 4) & 0x3, "I/O BAR type bits");
            assertEquals(0, f.read(0x14, 4) & 0xfff, "memory BAR low bits");
            long io = f.mappedBase(0);
            boolean ioOn = (f.command() & 1) != 0;
            if (io >= 0) {
                assertTrue(ioOn);
                assertEquals(f.barBase(0), io);
            }
            assertNotEquals(0, f.read(0x3d, 1));
        }
        f.release();
        assertTrue(ports.claimedPorts().isEmpty() && mmio.mappings().isEmpty());
    }
}
