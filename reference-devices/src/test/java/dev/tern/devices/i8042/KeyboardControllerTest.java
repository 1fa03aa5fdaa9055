package dev.tern.devices.i8042;

import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.io.ArrayPortSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyboardControllerTest extends DeviceContract {

    private DeviceHarness h;
    private ArrayPortSpace io;
    private KeyboardController kbc;

    @Override
    protected DeviceProvider provider() {
        return new I8042Provider();
    }

    @Override
    protected void hostInput(dev.tern.spi.device.Device device, java.util.Random rnd) {
        byte[] codes = new byte[1 + rnd.nextInt(4)];
        rnd.nextBytes(codes);
        ((KeyboardController) device).keyboardInput(codes);
    }

    @BeforeEach
    void boot() {
        h = harness();
        kbc = (KeyboardController) start(h);
        io = h.ports();
    }

    private int command(int cmd) {
        io.out(0x64, cmd);
        assertEquals(1, io.in(0x64) & 1, "reply in the output buffer");
        return io.in(0x60);
    }

    @Test
    void selfTestsPass() {
        assertEquals(0x55, command(0xaa));
        assertEquals(0x00, command(0xab));
        assertEquals(0x00, command(0xa9));
        assertEquals(0, io.in(0x64) & 1, "output buffer drained");
    }

    @Test
    void commandByteReadWriteAndPortEnables() {
        assertEquals(0x47, command(0x20));
        io.out(0x64, 0x60);
        assertEquals(0x08, io.in(0x64) & 0x08, "last write was a command");
        io.out(0x60, 0x65);
        assertEquals(0, io.in(0x64) & 0x08);
        assertEquals(0x65, command(0x20));
        io.out(0x64, 0xad);
        io.out(0x64, 0xa7);
        assertEquals(0x75, command(0x20));
        io.out(0x64, 0xae);
        io.out(0x64, 0xa8);
        assertEquals(0x45, command(0x20));
        assertEquals(0x04, io.in(0x64) & 0x04, "system flag follows the command byte");
    }

    @Test
    void outputPortDrivesA20AndReset() {
        assertEquals(0xcf, command(0xd0));
        io.out(0x64, 0xd1);
        io.out(0x60, 0xcd);
        assertEquals(List.of(false), h.machine().a20Changes());
        io.out(0x64, 0xd1);
        io.out(0x60, 0xcf);
        assertEquals(List.of(false, true), h.machine().a20Changes());
        assertEquals(0, h.machine().resets());
        io.out(0x64, 0xd1);
        io.out(0x60, 0xce);
        assertEquals(1, h.machine().resets(), "output port bit 0 low resets the CPU");
    }

    @Test
    void pulseResetAndHpA20Commands() {
        io.out(0x64, 0xfe);
        assertEquals(1, h.machine().resets());
        io.out(0x64, 0xff);
        assertEquals(1, h.machine().resets(), "0xFF pulses nothing");
        io.out(0x64, 0xdd);
        io.out(0x64, 0xdf);
        assertEquals(List.of(false, true), h.machine().a20Changes());
    }

    @Test
    void keyboardResetAnswersAckThenSelfTestWithAnEdgeEach() {
        io.out(0x60, 0xff);
        assertTrue(h.interrupts().level(1));
        assertEquals(0xfa, io.in(0x60));
        assertTrue(h.interrupts().level(1));
        assertEquals(0xaa, io.in(0x60));
        assertFalse(h.interrupts().level(1));
        assertEquals(2, h.interrupts().risingEdges(1));
    }

    @Test
    void keyboardIdentifyReportsTranslatedId() {
        io.out(0x60, 0xf2);
        assertEquals(0xfa, io.in(0x60));
        assertEquals(0xab, io.in(0x60));
        assertEquals(0x41, io.in(0x60));
        io.out(0x64, 0x60);
        io.out(0x60, 0x07);
        io.out(0x60, 0xf2);
        io.in(0x60);
        io.in(0x60);
        assertEquals(0x83, io.in(0x60), "untranslated");
    }

    @Test
    void keyboardCommandsWithArguments() {
        io.out(0x60, 0xed);
        assertEquals(0xfa, io.in(0x60));
        io.out(0x60, 0x07);
        assertEquals(0xfa, io.in(0x60));
        io.out(0x60, 0xf0);
        io.in(0x60);
        io.out(0x60, 0x00);
        assertEquals(0xfa, io.in(0x60));
        assertEquals(0x02, io.in(0x60), "scan code set 2");
        io.out(0x60, 0xee);
        assertEquals(0xee, io.in(0x60), "echo");
        io.out(0x60, 0x12);
        assertEquals(0xfe, io.in(0x60), "unknown command: resend");
    }

    @Test
    void auxLoopbackRaisesIrq12WithAuxStatus() {
        io.out(0x64, 0xd3);
        io.out(0x60, 0x5a);
        assertEquals(0x21, io.in(0x64) & 0x21);
        assertTrue(h.interrupts().level(12));
        assertFalse(h.interrupts().level(1));
        assertEquals(0x5a, io.in(0x60));
        assertFalse(h.interrupts().level(12));
        io.out(0x64, 0xd4);
        io.out(0x60, 0xff);
        assertEquals(0xfe, io.in(0x60), "no mouse attached");
    }

    @Test
    void interruptEnableBitsGateTheLines() {
        io.out(0x64, 0x60);
        io.out(0x60, 0x44);
        io.out(0x64, 0xd2);
        io.out(0x60, 0x1c);
        assertFalse(h.interrupts().level(1));
        assertEquals(0x01, io.in(0x64) & 1, "polling still sees the byte");
        assertEquals(0x1c, io.in(0x60));
    }

    @Test
    void hostScancodesAreDroppedWhileTheKeyboardIsDisabled() {
        io.out(0x64, 0xad);
        kbc.keyboardInput(new byte[] {0x1e});
        assertEquals(0, io.in(0x64) & 1);
        io.out(0x64, 0xae);
        kbc.keyboardInput(new byte[] {0x1e, (byte) 0x9e});
        assertEquals(0x1e, io.in(0x60));
        assertEquals(0x9e, io.in(0x60));
    }
}
