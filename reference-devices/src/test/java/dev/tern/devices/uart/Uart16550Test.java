package dev.tern.devices.uart;

import dev.tern.devices.chardev.FileBackend;
import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.chardev.SocketBackend;
import dev.tern.spi.ConfigException;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.io.ArrayPortSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Uart16550Test extends DeviceContract {

    private static final int COM1 = 0x3f8;
    private DeviceHarness h;
    private ArrayPortSpace io;
    private Uart16550 uart;
    private MemoryBackend host;

    @Override
    protected DeviceProvider provider() {
        return new UartProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("backend", "memory");
    }

    @Override
    protected void hostInput(dev.tern.spi.device.Device device, java.util.Random rnd) {
        byte[] bytes = new byte[1 + rnd.nextInt(40)];
        rnd.nextBytes(bytes);
        ((MemoryBackend) ((Uart16550) device).backend()).inject(bytes);
    }

    @BeforeEach
    void boot() {
        h = harness();
        uart = (Uart16550) start(h);
        io = h.ports();
        host = (MemoryBackend) uart.backend();
    }

    private int reg(int r) {
        return io.in(COM1 + r);
    }

    private void reg(int r, int v) {
        io.out(COM1 + r, v);
    }

    private boolean irq4() {
        return h.interrupts().level(4);
    }

    @Test
    void transmittedBytesReachTheBackendAtOnce() {
        for (byte b : "hello".getBytes(StandardCharsets.US_ASCII)) {
            assertEquals(0x60, reg(5) & 0x60, "THRE and TEMT");
            reg(0, b);
        }
        assertEquals("hello", host.outputText());
    }

    @Test
    void divisorLatchIsBehindDlab() {
        reg(3, 0x80);
        reg(0, 0x01);
        reg(1, 0x00);
        assertEquals(1, reg(0));
        reg(3, 0x03);
        assertEquals(86_805, uart.characterNanos(), "8N1 at 115200 baud");
        reg(1, 0xff);
        assertEquals(0x0f, reg(1), "IER has only four bits");
        assertEquals("", host.outputText(), "DLL writes are not transmitted");
    }

    @Test
    void loopbackReturnsTransmittedBytesAndKeepsIrqLow() {
        reg(4, 0x10 | 0x08);
        reg(1, 0x01);
        reg(0, 'A');
        assertEquals(0x01, reg(5) & 0x01);
        assertEquals(0x04, reg(2) & 0x0f, "RDA identified");
        assertFalse(irq4(), "loopback forces OUT2 inactive: no IRQ on a PC");
        assertEquals('A', reg(0));
        assertEquals("", host.outputText());
    }

    @Test
    void loopbackModemLinesAndDeltaBits() {
        reg(4, 0x10);
        assertEquals(0x0b, reg(6), "entering loopback drops the external CTS, DSR, DCD");
        reg(4, 0x10 | 0x03);
        assertEquals(0x33, reg(6), "CTS, DSR with their deltas");
        assertEquals(0x30, reg(6), "deltas cleared by the read");
        reg(4, 0x10 | 0x04);
        assertEquals(0x40 | 0x03, reg(6), "RI up, CTS/DSR dropped");
        reg(4, 0x10);
        assertEquals(0x04, reg(6) & 0x0f, "trailing edge of RI");
    }

    @Test
    void receiveFifoTriggerLevelRaisesRda() {
        reg(2, 0xc7);
        reg(1, 0x01);
        reg(4, 0x0b);
        host.inject(new byte[13]);
        assertEquals(0, reg(5) & 1, "input waits for the event path");
        h.machine().runPosted();
        assertEquals(1, reg(5) & 1);
        assertEquals(0xc1, reg(2), "13 bytes are below the 14-byte trigger");
        assertFalse(irq4());
        host.inject(new byte[1]);
        h.machine().runPosted();
        assertEquals(0xc4, reg(2));
        assertTrue(irq4());
        for (int i = 0; i < 14; i++) {
            reg(0);
        }
        assertEquals(0xc1, reg(2));
        assertFalse(irq4());
    }

    @Test
    void characterTimeoutReportsALoneByte() {
        reg(3, 0x80);
        reg(0, 1);
        reg(3, 0x03);
        reg(2, 0x81);
        reg(1, 0x01);
        reg(4, 0x08);
        host.inject("x");
        h.machine().runPosted();
        assertEquals(0xc1, reg(2));
        h.clock().advance(4 * uart.characterNanos() - 1);
        assertFalse(irq4());
        h.clock().advance(1);
        assertEquals(0xcc, reg(2), "character timeout");
        assertTrue(irq4());
        assertEquals('x', reg(0));
        assertEquals(0xc1, reg(2));
        assertFalse(irq4());
    }

    @Test
    void threInterruptFollowsLinuxExpectations() {
        reg(4, 0x08);
        reg(1, 0x02);
        assertTrue(irq4(), "enabling THRE with an empty THR interrupts");
        assertEquals(0x02, reg(2));
        assertEquals(0x01, reg(2), "reading IIR cleared THRE");
        assertFalse(irq4());
        reg(1, 0x00);
        reg(1, 0x02);
        assertEquals(0x02, reg(2), "re-enabling re-arms");
        int edges = h.interrupts().risingEdges(4);
        reg(0, 'z');
        assertEquals(edges + 1, h.interrupts().risingEdges(4), "each transmitted byte gives a new edge");
        assertEquals(0x02, reg(2));
    }

    @Test
    void modemStatusInterruptReportsDeltas() {
        reg(4, 0x10 | 0x08);
        reg(6);
        reg(1, 0x08);
        assertEquals(0x01, reg(2));
        reg(4, 0x10 | 0x08 | 0x02);
        assertEquals(0x00, reg(2), "modem status interrupt");
        assertEquals(0x01, reg(6) & 0x0f, "delta CTS");
        assertEquals(0x01, reg(2), "reading MSR cleared it");
    }

    @Test
    void out2GatesTheInterrupt() {
        reg(1, 0x02);
        assertFalse(irq4());
        reg(4, 0x08);
        assertTrue(irq4());
    }

    @Test
    void overrunIsALineStatusInterruptWithTopPriority() {
        reg(4, 0x10);
        reg(1, 0x0f);
        reg(0, 1);
        reg(0, 2);
        assertEquals(0x06, reg(2), "RLS outranks RDA and THRE");
        assertEquals(0x63, reg(5), "DR, OE, THRE, TEMT");
        assertEquals(0x04, reg(2), "then RDA");
        assertEquals(2, reg(0), "without FIFOs the overrunning byte replaced the first");
        assertEquals(0x02, reg(2), "then THRE");
    }

    @Test
    void loopbackBreakIsReceivedAsBreakIndication() {
        reg(4, 0x10);
        reg(3, 0x43);
        assertEquals(0x10, reg(5) & 0x10);
        assertEquals(0, reg(0));
    }

    @Test
    void hostInputBeyondTheFifoWaitsAndIsNotLost() {
        reg(2, 0x01);
        byte[] text = new byte[40];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ('a' + i % 26);
        }
        host.inject(text);
        h.machine().runPosted();
        byte[] got = new byte[40];
        for (int i = 0; i < got.length; i++) {
            assertEquals(1, reg(5) & 1, "byte " + i);
            got[i] = (byte) reg(0);
        }
        assertArrayEquals(text, got);
        assertEquals(0, reg(5) & 0x03, "empty, no overrun");
    }

    @Test
    void fifoControlClearsAndReportsState() {
        reg(2, 0x01);
        host.inject("abc");
        h.machine().runPosted();
        reg(2, 0x03);
        assertEquals(0, reg(5) & 1, "receive FIFO cleared");
        reg(2, 0x00);
        assertEquals(0x01, reg(2), "FIFOs disabled: IIR top bits clear");
        reg(7, 0x5a);
        assertEquals(0x5a, reg(7));
    }

    @Test
    void savedStateCarriesFifoContentsAndHostBuffer() {
        reg(2, 0x01);
        host.inject(new byte[20]);
        h.machine().runPosted();
        UartState s = (UartState) uart.sections().getFirst().save();
        assertEquals(16, s.rxFifo().length);
        assertEquals(4, s.hostPending().length);
        host.inject(new byte[70_000]);
        h.machine().runPosted();
        s = (UartState) uart.sections().getFirst().save();
        assertEquals(Uart16550.HOST_BUFFER, s.hostPending().length, "host input beyond 64 KiB is dropped");
    }

    @Test
    void badConfigurationIsRefusedWithTheKeyNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider().create(DeviceHarness.of(provider(), Map.of("backend", "telnet"))));
        assertTrue(e.getMessage().contains("backend"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> provider().create(DeviceHarness.of(provider(), Map.of("backend", "file"))));
        assertTrue(e.getMessage().contains("path"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> provider().create(DeviceHarness.of(provider(), Map.of("port", "0xfffc"))));
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }

    @Test
    @Timeout(30)
    void fileBackendWritesOutputAndDeliversInputFile(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "ok");
        Path out = dir.resolve("out.txt");
        DeviceHarness fh = DeviceHarness.of(provider(),
                Map.of("backend", "file", "path", out.toString(), "input", in.toString(), "port", "0x2f8", "irq", "3"));
        Uart16550 u = (Uart16550) start(fh);
        ((FileBackend) u.backend()).awaitInputDelivered();
        fh.machine().runPosted();
        assertEquals('o', fh.ports().in(0x2f8));
        assertEquals('k', fh.ports().in(0x2f8));
        fh.ports().out(0x2f8, 'Z');
        u.powerOff();
        assertEquals("Z", Files.readString(out));
    }

    @Test
    @Timeout(30)
    void socketBackendServesOneLoopbackClient() throws Exception {
        DeviceHarness sh = DeviceHarness.of(provider(), Map.of("backend", "socket", "socket-port", "0"));
        Uart16550 u = (Uart16550) start(sh);
        int port = ((SocketBackend) u.backend()).localPort();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream toGuest = client.getOutputStream();
            InputStream fromGuest = client.getInputStream();
            toGuest.write('q');
            toGuest.flush();
            assertTrue(sh.machine().runNextPosted(10_000), "input arrived through a posted event");
            assertEquals('q', sh.ports().in(COM1));
            sh.ports().out(COM1, 'r');
            assertEquals('r', fromGuest.read());
        }
        assertThrows(IllegalArgumentException.class, () -> new SocketBackend("192.0.2.1", 0));
    }
}
