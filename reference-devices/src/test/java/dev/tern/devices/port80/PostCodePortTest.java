package dev.tern.devices.port80;

import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PostCodePortTest extends DeviceContract {

    @Override
    protected DeviceProvider provider() {
        return new PostCodePortProvider();
    }

    @Test
    void lastCodeReadsBackAndResetClearsIt() {
        DeviceHarness h = DeviceHarness.of(provider(), Map.of("log", "on"));
        PostCodePort p = (PostCodePort) start(h);
        h.ports().out(0x80, 0x12);
        h.ports().out(0x80, 0xab);
        assertEquals(0xab, h.ports().in(0x80));
        assertEquals(0xab, p.lastCode());
        p.reset();
        assertEquals(0, h.ports().in(0x80));
    }
}
