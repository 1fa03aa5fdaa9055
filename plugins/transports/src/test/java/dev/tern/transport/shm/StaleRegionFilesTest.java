package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleRegionFilesTest {

    @TempDir
    Path dir;

    /** The pid of a process that has certainly exited (we waited for it). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void filesOfExitedProcessesAreRemovedOthersKept() throws Exception {
        long dead = deadPid();
        Path stale = Files.writeString(dir.resolve("tern-shm-" + dead + "-3-00000000000000ab"), "x");
        Path ours = Files.writeString(dir.resolve(StaleRegionFiles.name(7, 0xcd)), "x");
        Path foreign = Files.writeString(dir.resolve("tern-shm-notapid"), "x");
        Path unrelated = Files.writeString(dir.resolve("other-" + dead), "x");

        assertEquals(1, StaleRegionFiles.sweep(dir));

        assertFalse(Files.exists(stale), "the dead process's region is gone");
        assertTrue(Files.exists(ours), "a live process's region stays");
        assertTrue(Files.exists(foreign), "names that are not region files are left alone");
        assertTrue(Files.exists(unrelated));
    }

    @Test
    void ownerParsesOnlyRegionFileNames() {
        assertEquals(OptionalLong.of(42), StaleRegionFiles.owner("tern-shm-42-1-0123456789abcdef"));
        assertEquals(OptionalLong.empty(), StaleRegionFiles.owner("tern-shm-42-1-0123"));
        assertEquals(OptionalLong.empty(), StaleRegionFiles.owner("tern-shm-99999999999999999999-1-0123456789abcdef"));
        assertEquals(OptionalLong.empty(), StaleRegionFiles.owner("x-tern-shm-42-1-0123456789abcdef"));
    }

    @Test
    void aMissingDirectorySweepsNothing() {
        assertEquals(0, StaleRegionFiles.sweep(dir.resolve("absent")));
    }
}
