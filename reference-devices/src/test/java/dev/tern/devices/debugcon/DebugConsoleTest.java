package dev.tern.devices.debugcon;

import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DebugConsoleTest extends DeviceContract {

    @TempDir
    Path dir;

    @Override
    protected DeviceProvider provider() {
        return new DebugConsoleProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("path", dir.resolve("debugcon.log").toString());
    }

    @Test
    void bytesGoToTheInjectedStreamAndReadsIdentifyThePort() {
        DeviceHarness h = harness();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DebugConsole d = new DebugConsole(h, 0xe9, out);
        d.realize();
        d.reset();
        h.ports().out(0xe9, 'o');
        h.ports().write(0xe9, 2, 0x416b);
        assertEquals("ok", out.toString());
        assertEquals(0xe9, h.ports().in(0xe9));
    }

    @Test
    void configuredFileReceivesOutput() throws Exception {
        DeviceHarness h = harness();
        var d = start(h);
        for (char c : "boot\n".toCharArray()) {
            h.ports().out(0xe9, c);
        }
        d.powerOff();
        assertEquals("boot\n", Files.readString(dir.resolve("debugcon.log")));
    }
}
