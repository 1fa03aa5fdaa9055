package dev.tern.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.vm.VmState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link Machine#pauseAt}: a deterministic stop point on the real demo guest. */
class MachinePauseAtTest {

    @TempDir
    Path dir;

    private final LiveMigrationTest guests = new LiveMigrationTest();

    @Test
    @Timeout(120)
    void pausesExactlyAtTheCountAndResumesToTheSameOutput() throws Exception {
        Path straight = dir.resolve("straight.log");
        assertEquals(0, Main.execute("run", "--serial", "file:" + straight, "--pacing", "warp", "-m", "4M"));
        Path held = dir.resolve("held.log");
        try (Machine m = guests.machine(List.of("--serial", "file:" + held, "--pacing", "warp", "-m", "4M"))) {
            var reached = m.pauseAt(123_457);
            m.start();
            assertEquals(123_457L, reached.get());
            assertEquals(VmState.PAUSED, m.lifecycle().state());
            assertEquals(123_457L, m.vcpus().getFirst().instructionCount(), "nothing ran after the hold point");
            var e = assertThrows(IllegalArgumentException.class, () -> m.pauseAt(100));
            assertEquals("vCPU 0 is already at instruction 123457, past 100", e.getMessage());
            var second = m.pauseAt(300_000);
            m.resume();
            assertEquals(300_000L, second.get());
            var beyondTheEnd = m.pauseAt(10_000_000); // the demo ends after ~377 k instructions
            m.resume();
            MachineExit exit = m.awaitExit();
            assertEquals(MachineExit.Reason.POWER_OFF, exit.reason(), exit.detail());
            var failed = assertThrows(java.util.concurrent.ExecutionException.class, beyondTheEnd::get);
            assertTrue(failed.getCause().getMessage().startsWith("the run ended before instruction 10000000"),
                    failed.getCause().getMessage());
        }
        assertEquals(Files.readString(straight), Files.readString(held), "holding changed the guest's output");
    }
}
