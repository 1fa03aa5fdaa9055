package dev.tern.cli;

import dev.tern.pc.boot.KernelBoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's gdb against a replay of the Debian kernel booting (no symbols: addresses only): a
 * breakpoint at the kernel's entry, registers and memory there and later in paged kernel code,
 * reverse-stepi and reverse-continue back to the entry.
 */
class LinuxGdbTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(600)
    void breakAtTheKernelEntryThenGoBackToItFromLaterInTheBoot() throws Exception {
        LinuxGuest.assumeGuest();
        DebuggedTern.gdbPath();
        Path vmlinuz = LinuxGuest.guestDir().resolve("vmlinuz");
        Path initrd = LinuxGuest.guestDir().resolve("initrd.cpio");
        var boot = KernelBoot.prepare(vmlinuz, initrd, LinuxGuest.APPEND, LinuxGuest.RAM);
        long entry = boot.entry();
        byte[] firstBytes = boot.blobs().stream().filter(b -> b.address() == entry).findFirst().orElseThrow().data();
        String[] machine = {"--kernel", vmlinuz.toString(), "--initrd", initrd.toString(), "--append", LinuxGuest.APPEND,
                "-m", "128M", "--serial", "none"};
        Path rr = dir.resolve("boot.rr");
        var rec = RecordReplayCliTest.cli(concat(new String[] {"run"}, concat(machine, "--pacing", "warp", "--record", rr.toString(),
                "--max-instructions", "30000000")));
        assertEquals(0, rec.status(), rec.err());
        try (var tern = DebuggedTern.start(concat(machine, "--replay", rr.toString(), "--replay-snapshot-every", "10000000"))) {
            String at = "0x" + Long.toHexString(entry);
            String out = tern.gdb(
                    "break *" + at,
                    "continue",
                    "printf \"ENTRY=%x\\n\", $pc",
                    "printf \"ESI=%x\\n\", $esi",
                    "x/4xb " + at,
                    "disable 1",
                    "continue",
                    "printf \"LATE=%x\\n\", $pc",
                    "printf \"CR0=%x\\n\", $cr0",
                    "x/4xb $pc",
                    "reverse-stepi",
                    "echo ==A==\\n", "info registers", "echo ==END==\\n",
                    "reverse-stepi",
                    "stepi",
                    "echo ==B==\\n", "info registers", "echo ==END==\\n",
                    "enable 1",
                    "reverse-continue",
                    "printf \"BACK=%x\\n\", $pc",
                    "printf \"BACKESI=%x\\n\", $esi",
                    "kill");
            assertEquals(entry, DebuggedTern.value(out, "ENTRY"), out);
            assertEquals(0x10000, DebuggedTern.value(out, "ESI"), "ESI holds the boot_params address:\n" + out);
            assertTrue(out.contains(String.format("%s:\t0x%02x\t0x%02x\t0x%02x\t0x%02x", at,
                    firstBytes[0], firstBytes[1], firstBytes[2], firstBytes[3])), out);
            assertTrue(out.contains("No more reverse-execution history."), out);
            long late = DebuggedTern.value(out, "LATE");
            assertTrue(late >= 0xc0000000L, "by instruction 30M the kernel runs at its virtual addresses: " + out);
            assertEquals(0x80000000L, DebuggedTern.value(out, "CR0") & 0x80000000L, "paging is on:\n" + out);
            assertFalse(out.contains("Cannot access memory"), "memory at virtual addresses is read through the page tables:\n" + out);
            String a = between(out, "==A==");
            assertEquals(a, between(out, "==B=="), "stepping forward again after reverse-stepi gives the same registers");
            assertEquals(entry, DebuggedTern.value(out, "BACK"), "reverse-continue stops at the earlier breakpoint hit:\n" + out);
            assertEquals(0x10000, DebuggedTern.value(out, "BACKESI"), out);
            assertEquals(0, tern.awaitExit(), tern.err());
            assertTrue(tern.err().contains("left the replay at instruction"), tern.err());
        }
    }

    private static String between(String s, String from) {
        int a = s.indexOf(from);
        int b = s.indexOf("==END==", a);
        assertTrue(a >= 0 && b > a, "no " + from + " block in:\n" + s);
        return s.substring(a + from.length(), b);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
