package dev.tern.devices.debugexit;

import dev.tern.spi.ConfigException;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DebugExitTest extends DeviceContract {

    @Override
    protected DeviceProvider provider() {
        return new DebugExitProvider();
    }

    @Test
    void writeRequestsPowerOffWithQemuStatus() {
        DeviceHarness h = harness();
        start(h);
        h.ports().write(0xf4, 1, 0x31);
        h.ports().write(0xf4, 4, 0);
        h.ports().write(0xf5, 2, 0x1234);
        assertEquals(List.of(0x63, 1, 0x2469), h.machine().powerOffs());
        assertEquals(0xff, h.ports().in(0xf4));
    }

    @Test
    void baseAndSizeAreConfigurable() {
        DeviceHarness h = DeviceHarness.of(provider(), Map.of("iobase", "0x501", "iosize", "1"));
        start(h);
        assertEquals(List.of(0x501), h.ports().claimedPorts());
        h.ports().out(0x501, 2);
        assertEquals(List.of(5), h.machine().powerOffs());
    }

    @Test
    void badSizeIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider().create(DeviceHarness.of(provider(), Map.of("iosize", "3"))));
        assertTrue(e.getMessage().contains("iosize"));
    }
}
