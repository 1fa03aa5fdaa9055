package dev.tern.devices.port92;

import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SystemControlPortATest extends DeviceContract {

    @Override
    protected DeviceProvider provider() {
        return new SystemControlPortAProvider();
    }

    @Test
    void fastA20AndResetStrobe() {
        DeviceHarness h = harness();
        start(h);
        h.ports().out(0x92, h.ports().in(0x92) | 0x02);
        assertEquals(0x02, h.ports().in(0x92));
        h.ports().out(0x92, 0x02);
        assertEquals(List.of(true), h.machine().a20Changes(), "only changes are forwarded");
        h.ports().out(0x92, 0x03);
        assertEquals(1, h.machine().resets());
        assertEquals(0x02, h.ports().in(0x92), "the reset bit does not stick");
        h.ports().out(0x92, 0x00);
        assertEquals(List.of(true, false), h.machine().a20Changes());
    }
}
