package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tern run --gdb} with Debian's gdb in batch mode against the gdb-loop guest
 * (src/test/asm/gdb-loop.asm: EBX counts rounds, each round stores EBX at 0x1000 and calls
 * {@code tick} at 0xF0100), live and in a replay (reverse execution), plus hostile packets on a
 * raw socket.
 */
class GdbStubTest {

    /** Addresses in gdb-loop.rom. */
    private static final String TICK = "0xf0100";

    @TempDir
    Path dir;

    private Path rom() throws Exception {
        Path rom = dir.resolve("gdb-loop.rom");
        try (InputStream in = getClass().getResourceAsStream("/guests/gdb-loop.rom")) {
            assertNotNull(in);
            Files.write(rom, in.readAllBytes());
        }
        return rom;
    }

    @Test
    @Timeout(180)
    void breakpointsRegistersMemoryStepsAndWatchpoints() throws Exception {
        DebuggedTern.gdbPath();
        try (var tern = DebuggedTern.start("--bios", rom().toString(), "--serial", "none", "--pacing", "warp")) {
            String out = tern.gdb(
                    "printf \"START=%x\\n\", $pc",
                    "break *" + TICK,
                    "continue",
                    "printf \"EBX1=%x\\n\", $ebx",
                    "continue",
                    "printf \"EBX2=%x\\n\", $ebx",
                    "printf \"ECX2=%x\\n\", $ecx",
                    "printf \"CR0=%x\\n\", $cr0",
                    "printf \"CS=%x\\n\", $cs",
                    "printf \"EFLAGS=%x\\n\", $eflags",
                    "x/3xb " + TICK,
                    "stepi",
                    "printf \"PC1=%x\\n\", $pc",
                    "stepi",
                    "printf \"PC2=%x\\n\", $pc",
                    "stepi",
                    "printf \"PC3=%x\\n\", $pc",
                    "delete 1",
                    "watch *(int*)0x1000",
                    "continue",
                    "printf \"WPC=%x\\n\", $pc",
                    "printf \"WMEM=%x\\n\", *(int*)0x1000",
                    "set var $edi = 0x1234abcd",
                    "printf \"EDI=%x\\n\", $edi",
                    "set {int}0x2000 = 0x55aa",
                    "printf \"M2000=%x\\n\", *(int*)0x2000",
                    "kill");
            assertEquals(0xfff0, DebuggedTern.value(out, "START"), out);
            assertTrue(out.contains("Breakpoint 1, 0x000f0100 in ?? ()"), out);
            assertEquals(1, DebuggedTern.value(out, "EBX1"), out);
            assertEquals(2, DebuggedTern.value(out, "EBX2"), out);
            assertEquals(1, DebuggedTern.value(out, "ECX2"), out);
            assertEquals(0x60000011, DebuggedTern.value(out, "CR0"), out);
            assertEquals(8, DebuggedTern.value(out, "CS"), out);
            assertEquals(2, DebuggedTern.value(out, "EFLAGS") & 0x2, out);
            assertTrue(out.contains("0xf0100:\t0x01\t0xd9\t0xc3"), out);
            // each stepi retires exactly one instruction: add, ret, jmp
            assertEquals(0xf0102, DebuggedTern.value(out, "PC1"), out);
            assertEquals(0xf0089, DebuggedTern.value(out, "PC2"), out);
            assertEquals(0xf0080, DebuggedTern.value(out, "PC3"), out);
            // the watchpoint stops right after the storing instruction (mov [0x1000], ebx at 0xf0081)
            assertTrue(out.contains("Old value = 2\nNew value = 3"), out);
            assertEquals(0xf0087, DebuggedTern.value(out, "WPC"), out);
            assertEquals(3, DebuggedTern.value(out, "WMEM"), out);
            assertEquals(0x1234abcd, DebuggedTern.value(out, "EDI"), out);
            assertEquals(0x55aa, DebuggedTern.value(out, "M2000"), out);
            assertEquals(0, tern.awaitExit(), tern.err());
            assertTrue(tern.err().contains("killed by the debugger"), tern.err());
            // the machine's end closes the stub right after the kill: that is no failure to report
            assertFalse(tern.err().contains("gdb connection failed"), tern.err());
        }
    }

    @Test
    @Timeout(240)
    void reverseStepAndReverseContinueInAReplayLeaveItUnperturbed() throws Exception {
        DebuggedTern.gdbPath();
        Path rr = dir.resolve("loop.rr");
        var rec = RecordReplayCliTest.cli("run", "--bios", rom().toString(), "--serial", "none", "--pacing", "warp",
                "--record", rr.toString(), "--max-instructions", "3000000", "--checkpoint-interval", "500000");
        assertEquals(0, rec.status(), rec.err());
        try (var tern = DebuggedTern.start("--bios", rom().toString(), "--serial", "none", "--replay", rr.toString(),
                "--replay-snapshot-every", "100000")) {
            String out = tern.gdb(
                    "break *" + TICK,
                    "continue", "continue", "continue",
                    "printf \"EBX3=%x\\n\", $ebx",
                    "stepi",
                    "echo ==A==\\n", "info registers", "echo ==END==\\n",
                    "stepi",
                    "printf \"PC2=%x\\n\", $pc",
                    "reverse-stepi",
                    "echo ==B==\\n", "info registers", "echo ==END==\\n",
                    "reverse-continue",
                    "printf \"R1PC=%x\\n\", $pc",
                    "printf \"R1EBX=%x\\n\", $ebx",
                    "reverse-continue",
                    "printf \"R2EBX=%x\\n\", $ebx",
                    "reverse-continue",
                    "printf \"R3EBX=%x\\n\", $ebx",
                    "printf \"R3ECX=%x\\n\", $ecx",
                    "reverse-continue",
                    "printf \"BEGIN=%x\\n\", $pc",
                    "continue",
                    "printf \"AGAIN=%x\\n\", $ebx",
                    "delete",
                    "continue",
                    "detach");
            assertEquals(3, DebuggedTern.value(out, "EBX3"), out);
            assertEquals(0xf0089, DebuggedTern.value(out, "PC2"), out);
            String a = between(out, "==A==", "==END==");
            String b = between(out, "==B==", "==END==");
            assertTrue(a.contains("eip            0xf0102"), out);
            assertEquals(a, b, "reverse-stepi must give the previous instruction's registers");
            // reverse-continue stops at the earlier breakpoint hits, latest first
            assertEquals(0xf0100, DebuggedTern.value(out, "R1PC"), out);
            assertEquals(3, DebuggedTern.value(out, "R1EBX"), out);
            assertEquals(2, DebuggedTern.value(out, "R2EBX"), out);
            assertEquals(1, DebuggedTern.value(out, "R3EBX"), out);
            assertEquals(0, DebuggedTern.value(out, "R3ECX"), out);
            assertTrue(out.contains("No more reverse-execution history."), out);
            assertEquals(0xfff0, DebuggedTern.value(out, "BEGIN"), out);
            assertEquals(1, DebuggedTern.value(out, "AGAIN"), out);
            // after going back and forth the replay still ends exactly as recorded (hashes compared)
            assertEquals(0, tern.awaitExit(), tern.err());
            assertTrue(tern.err().contains("checkpoints matched: final instruction count 3000000"), tern.err());
        }
    }

    @Test
    @Timeout(120)
    void hostilePacketsGetClearErrorsAndTheStubGoesOn() throws Exception {
        try (var tern = DebuggedTern.start("--bios", rom().toString(), "--serial", "none", "--pacing", "warp");
             var s = new Socket("127.0.0.1", tern.port())) {
            var peer = new RspPeer(s.getInputStream(), s.getOutputStream());
            peer.raw("$g#00");
            assertEquals('-', peer.read(), "a bad checksum is NAKed");
            peer.raw("$" + "m0,1".repeat(5000) + "#00");
            assertEquals('+', peer.read());
            assertEquals("E16", peer.reply());
            assertEquals("E16", peer.request("mzz,4"));
            assertEquals("E16", peer.request("m0,100000"));
            assertEquals("E0e", peer.request("m20000000,4"));
            assertEquals("E16", peer.request("pff"));
            assertEquals("E16", peer.request("G0102"));
            assertEquals("E16", peer.request("M0,1:abc"));
            assertEquals("E16", peer.request("M2000,4:ab"));
            assertEquals("E16", peer.request("Z2,1000,0"));
            assertEquals("", peer.request("Z9,1000,1"));
            assertTrue(peer.request("qXfer:features:read:target.xml:0,2000").contains("org.gnu.gdb.i386.core"));
            assertEquals("", peer.request("bs"), "reverse execution is not offered outside a replay");
            // still serving, the machine unharmed: it runs and stops on Ctrl-C
            assertEquals("T05", peer.request("?"));
            peer.send("c");
            peer.raw("\u0003");
            assertEquals("T02", peer.reply());
            peer.send("k");
            assertEquals(0, tern.awaitExit(), tern.err());
            // the reasons go to tern's stderr, naming what was wrong
            for (String why : List.of("packet checksum 00, computed 67", "packet longer than 16384 bytes",
                    "refused 'mzz,4': address 'zz' is not hexadecimal",
                    "refused 'm0,100000': m asks for 1048576 bytes, at most 8192 fit a reply",
                    "refused 'm20000000,4': no RAM mapped at 0x20000000",
                    "refused 'pff': register number 255 is outside 0..35",
                    "refused 'G0102': G carries 2 bytes, the registers take 192",
                    "refused 'M0,1:abc': M data has an odd number of hex digits",
                    "refused 'M2000,4:ab': the length says 4 bytes, the data has 1",
                    "refused 'Z2,1000,0': watchpoint length 0 is outside 1..4096",
                    "reverse execution needs a replay")) {
                assertTrue(tern.err().contains(why), why + " in:\n" + tern.err());
            }
        }
    }

    @Test
    @Timeout(120)
    void aUnixSocketServesTheSameProtocol() throws Exception {
        Path socket = dir.resolve("gdb.sock");
        try (var tern = DebuggedTern.startOn("unix:" + socket, "--bios", rom().toString(), "--serial", "none", "--pacing", "warp")) {
            assertEquals("unix:" + socket, tern.where());
            try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
                var peer = new RspPeer(java.nio.channels.Channels.newInputStream(ch), java.nio.channels.Channels.newOutputStream(ch));
                assertEquals("T05", peer.request("?"));
                String regs = peer.request("g");
                assertEquals(192 * 2, regs.length(), regs);
                assertEquals("f0ff0000", regs.substring(8 * 8, 9 * 8), "EIP (register 8) is 0xfff0 at power-on: " + regs);
                assertEquals("OK", peer.request("Z0,f0100,1"));
                peer.send("c");
                assertEquals("T05", peer.reply(), "gdb offered no swbreak+: a plain SIGTRAP");
                assertEquals("00010f00", peer.request("p8"), "stopped before the instruction at the breakpoint");
                peer.send("k");
            }
            assertEquals(0, tern.awaitExit(), tern.err());
        }
    }

    private static String between(String s, String from, String to) {
        int a = s.indexOf(from);
        int b = s.indexOf(to, a);
        assertTrue(a >= 0 && b > a, "no " + from + " block in:\n" + s);
        return s.substring(a + from.length(), b);
    }
}
