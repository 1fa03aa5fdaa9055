package dev.tern.kernel.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.cli.PcMachine;
import dev.tern.kernel.gdb.RspChannel.Incoming;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Bytes from a debugger, through the stub's framing ({@link RspChannel}) and its command dispatch
 * ({@link GdbCommands}) on a real PC machine (the demo guest paused at instruction 123,457).
 *
 * <ul>
 *   <li>framing: a packet, an interrupt, or {@link Incoming.Bad} with a reason; the reader ends only
 *       at the end of the bytes (or when the peer NAKs one reply too often);</li>
 *   <li>commands: every packet gets a reply and no exception escapes; an error reply ({@code E16},
 *       {@code E0e}) comes with a complaint naming the packet and what was wrong;</li>
 *   <li>only a packet answered {@code OK} may change the machine: after an error, empty (not
 *       supported) or data reply, the machine's full state digest (RAM, vCPU, devices) is unchanged.</li>
 * </ul>
 * Packets that run the machine or end the session ({@code c}, {@code s}, {@code vCont}, {@code D},
 * {@code k}, {@code b...}) are the session's, not the commands'; of them only the resume address of
 * {@code c ADDR}/{@code s ADDR} is applied here (without running). Seeds: the packets GDB 13 sends
 * for attach, reading and writing registers and memory, and breakpoints and watchpoints, framed by the
 * stub's own writer, with acks and in no-ack mode.
 */
@Isolated("Jazzer fuzz targets: one at a time in a JVM")
class GdbPacketFuzzTest {

    private static final Pattern WHY = Pattern.compile("^(E16|E0e) refused '[^\\n]*': \\S|^E00$");
    /** A reply is at most a packet's worth of hex; the bound is far above that and independent of the input. */
    private static final long ALLOCATION = 1 << 20;
    private static final String[] SESSION_ONLY = {"c", "s", "vCont", "vKill", "D", "k", "b"};

    private static Machine machine;
    private static GdbCommands commands;
    private static final List<String> COMPLAINTS = new ArrayList<>();
    private static String digest;

    /** A refused packet: its error reply and the complaints that came with it. */
    private static final class Refused extends Exception {
        Refused(String reply, List<String> complaints) {
            super(reply + (complaints.isEmpty() ? "" : " " + String.join(" | ", complaints)), null, false, false);
        }
    }

    @AfterAll
    static void close() {
        if (machine != null) {
            machine.close();
        }
    }

    private static void open() throws Exception {
        if (machine != null) {
            return;
        }
        machine = PcMachine.create("--pacing", "warp", "-m", "4M", "--serial", "none");
        var reached = machine.pauseAt(123_457);
        machine.start();
        assertEquals(123_457L, reached.get());
        commands = new GdbCommands(new DebugTarget(machine, null), COMPLAINTS::add);
        digest = MachineDigest.full(machine);
    }

    @Test
    void seedsAreGdbSessions() throws Exception {
        open();
        String registers = commands.execute("g");
        List<String> attach = List.of(
                "qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;"
                        + "vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+",
                "vMustReplyEmpty", "Hg0", "qXfer:features:read:target.xml:0,ffb", "qXfer:features:read:target.xml:ffb,ffb",
                "qTStatus", "?", "qfThreadInfo", "qsThreadInfo", "qAttached", "Hc-1", "qC", "qOffsets", "g");
        List<String> work = List.of(
                "p8", "p29", "m0,40", "mf0000,8", "m100000,4", "Z0,f0100,1", "Z1,f0104,1", "Z2,1000,4", "Z3,1004,2",
                "Z4,1008,1", "z0,f0100,1", "z1,f0104,1", "z2,1000,4", "z3,1004,2", "z4,1008,1",
                "P7=cdab3412", "P8=" + registers.substring(8 * 8, 9 * 8), "M2000,4:aa550000", "X2004,4:}\u0003#$",
                "G" + registers, "c" + Long.toHexString(Integer.reverseBytes(Integer.parseUnsignedInt(registers.substring(8 * 8, 9 * 8), 16)) & 0xffffffffL), "m1fff,0", "Z2,0,1001", "P99=00000000");
        var seeds = new LinkedHashMap<String, byte[]>();
        seeds.put("attach-and-work", framed(attach, work, true));
        seeds.put("no-ack-mode", framed(List.of("QStartNoAckMode"), work, false));
        // a write that runs off the end of RAM, and a G whose first registers are fine but whose fs is not
        String badFs = registers.substring(0, 14 * 8) + "00000100" + registers.substring(15 * 8);
        seeds.put("edge-1-write-past-ram", framed(List.of("QStartNoAckMode"), List.of("M3ffffe,4:11223344"), false));
        seeds.put("edge-2-write-into-rom", framed(List.of("QStartNoAckMode"), List.of("Mffff0,2:9090", "Xffff0,1:\u0090"), false));
        seeds.put("edge-3-g-refused-after-eax", framed(List.of("QStartNoAckMode"),
                List.of("G" + "01000000" + badFs.substring(8)), false));
        SeedCorpus.check(GdbPacketFuzzTest.class, "packets", seeds);
    }

    /** The packets as GDB frames them: its acks for each reply while acks are on. */
    private static byte[] framed(List<String> first, List<String> then, boolean acks) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var writer = new RspChannel(new ByteArrayInputStream(new byte[0]), bytes);
        for (String p : first) {
            writer.send(p);
            bytes.write('+');
        }
        if (!acks) {
            writer.disableAcks();
        }
        for (String p : then) {
            writer.send(p);
            if (acks) {
                bytes.write('+');
            }
        }
        return bytes.toByteArray();
    }

    @FuzzTest
    void packets(byte[] input) throws Exception {
        open();
        var replies = new ByteArrayOutputStream();
        var channel = new RspChannel(new ByteArrayInputStream(input), replies);
        while (true) {
            Incoming in;
            try {
                in = channel.next();
            } catch (EOFException end) {
                return;
            } catch (IOException e) {
                assertTrue(e.getMessage().startsWith("the debugger refused the same packet"), e.toString());
                return;
            }
            switch (in) {
                case Incoming.Packet p -> channel.send(handle(p.text()));
                case Incoming.Bad b -> assertFalse(b.reason().isBlank(), "a bad packet's reason");
                case Incoming.Interrupt i -> { }
            }
        }
    }

    /** One packet against the paused machine; returns its reply. */
    private static String handle(String packet) throws IOException {
        if (packet.isEmpty() || packet.equals("QStartNoAckMode")) {
            return "";
        }
        String[] reply = new String[1];
        COMPLAINTS.clear();
        Optional<Refused> refused = HostileInput.parse(Refused.class, WHY, ALLOCATION, () -> {
            reply[0] = dispatch(packet);
            if (reply[0].startsWith("E")) {
                throw new Refused(reply[0], COMPLAINTS);
            }
        });
        String now = MachineDigest.full(machine);
        if (refused.isPresent() || !reply[0].equals("OK")) {
            assertEquals(digest, now, "'" + clip(packet) + "' answered " + clip(refused.map(Refused::getMessage)
                    .orElse(reply[0])) + " but changed the machine");
        }
        digest = now;
        return reply[0];
    }

    private static String dispatch(String packet) {
        if (packet.startsWith("qXfer:features:read:")) {
            return commands.targetXml(packet.substring("qXfer:features:read:".length()));
        }
        if ((packet.charAt(0) == 'c' || packet.charAt(0) == 's') && packet.length() > 1) {
            String err = commands.setPc(packet.substring(1));
            return err == null ? "OK" : err;
        }
        for (String s : SESSION_ONLY) {
            if (packet.startsWith(s)) {
                return "";
            }
        }
        return switch (packet.charAt(0)) {
            case 'q', 'Q', '?', 'v' -> "";
            default -> commands.execute(packet);
        };
    }

    private static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
