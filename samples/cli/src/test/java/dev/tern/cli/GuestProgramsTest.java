package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The bare-metal guest programs of plugins/x86/guests run on Tern as they run on QEMU: each checks
 * an area of the architecture, prints what it checks over the serial port and exits through
 * isa-debug-exit with 0x10 (status 33) when everything passed. On Tern even the checks QEMU's TCG
 * cannot pass (printed as WARN there) must pass.
 */
class GuestProgramsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pmode", "paging", "rings", "exceptions", "strings", "x87", "debug", "bitops", "stacks", "tasks"})
    @Timeout(300)
    void guestProgramPasses(String name) throws Exception {
        byte[] rom;
        try (InputStream in = getClass().getResourceAsStream("/dev/tern/x86/guests/" + name + ".rom")) {
            assertNotNull(in, name + ".rom");
            rom = in.readAllBytes();
        }
        Path serial = dir.resolve(name + ".log");
        var spec = MachineSpec.builder().ramSize(16 << 20).firmware(rom).pacing(Pacing.WARP)
                .maxInstructions(500_000_000)
                .device("uart16550", "serial0", Map.of("backend", "file", "path", serial.toString()))
                .device("isa-debug-exit", "debug-exit", Map.of())
                .build();
        MachineExit exit;
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec)) {
            m.start();
            exit = m.awaitExit();
        }
        String out = Files.readString(serial);
        assertEquals(33, exit.status(), name + ": " + exit.detail() + "\n" + out);
        assertFalse(out.contains("FAIL"), out);
        assertFalse(out.contains("WARN"), out);
    }
}
