package dev.tern.cli;

import dev.tern.cli.cdi.MachineFactory;
import dev.tern.cli.cdi.PluginId;
import dev.tern.cli.cdi.TernContainer;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.cpu.CpuProvider;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VMM assembled with CDI: the x86 provider is injected by id, and the kernel's MachineFactory is
 * replaced by an alternative that gives every machine a serial port logging to a file.
 */
class CdiVmmTest {

    static Path serialLog;

    /** The sample VMM's replacement for the kernel bean. */
    @Alternative
    @Priority(10)
    @Singleton
    static class SerialLoggingMachineFactory extends MachineFactory {
        @Inject
        SerialLoggingMachineFactory(PluginRegistry plugins) {
            super(plugins);
        }

        @Override
        public Machine create(MachineSpec spec) {
            var b = MachineSpec.builder().ramSize(spec.ramSize()).firmware(spec.firmware()).pacing(spec.pacing());
            spec.devices().forEach(b::device);
            b.device(new DeviceSpec("uart16550", "serial0", Map.of("backend", "file", "path", serialLog.toString())));
            return super.create(b.build());
        }
    }

    @Test
    @Timeout(120)
    void alternativeFactoryAssemblesTheDemoMachine(@TempDir Path dir) throws Exception {
        serialLog = dir.resolve("serial.log");
        byte[] rom;
        try (InputStream in = getClass().getResourceAsStream(RunCommand.DEMO_ROM)) {
            rom = in.readAllBytes();
        }
        var registry = PluginRegistry.discover(getClass().getClassLoader(), List.of());
        try (TernContainer container = TernContainer.start(registry, SerialLoggingMachineFactory.class)) {
            assertEquals("x86", container.select(CpuProvider.class, PluginId.Literal.of("x86")).id());
            MachineFactory factory = container.select(MachineFactory.class);
            assertInstanceOf(SerialLoggingMachineFactory.class, factory);
            var spec = MachineSpec.builder().ramSize(16 << 20).firmware(rom).pacing(Pacing.WARP)
                    .device("isa-debug-exit", "debug-exit", Map.of()).build();
            try (Machine m = factory.create(spec)) {
                m.start();
                MachineExit exit = m.awaitExit();
                assertEquals(33, exit.status(), exit.detail());
            }
        }
        assertTrue(Files.readString(serialLog).contains("Tern demo guest"));
    }
}
