package dev.tern.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The serial-counter guest the FT partition tests run in their JVMs: its {@code tern run} arguments,
 * the pair's password file, and the serial output of one uninterrupted run to compare against.
 */
final class FtCounterGuest {

    /** Long enough that the guest still runs when a partition has been noticed (timeout 3 s). */
    static final long LIMIT = 150_000_000;
    private static volatile String reference;

    private final Path dir;

    FtCounterGuest(Path dir) {
        this.dir = dir;
    }

    /** The password file both sides of a pair (and the witness) read. */
    Path password() throws IOException {
        Path p = dir.resolve("pw");
        Files.writeString(p, "correct horse\n");
        return p;
    }

    /** {@code tern run} arguments of the guest writing its serial output to {@code serial}. */
    List<String> args(Path serial) throws Exception {
        return args(serial, LIMIT);
    }

    /** {@link #args} with an instruction limit of its own ({@code 0}: the guest runs until ended). */
    List<String> args(Path serial, long limit) throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M", "--serial",
                "file:" + serial, "--pacing", "warp", "--max-instructions", Long.toString(limit));
    }

    /** {@link #args} with {@code --ft ft}. */
    String[] withFt(Path serial, String ft) throws Exception {
        var all = new ArrayList<>(args(serial));
        all.addAll(List.of("--ft", ft));
        return all.toArray(String[]::new);
    }

    /** The serial output of a run to {@link #LIMIT} that nothing interrupted (made once per JVM). */
    String reference() throws Exception {
        if (reference == null) {
            reference = referenceTo(LIMIT);
        }
        return reference;
    }

    /** The serial output of an uninterrupted run stopped after exactly {@code instructions}. */
    String referenceTo(long instructions) throws Exception {
        Path out = Files.createTempFile(dir, "reference-", ".log");
        try (Machine m = RunMachines.create(args(out, instructions))) {
            m.start();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
        }
        return Files.readString(out, StandardCharsets.US_ASCII);
    }
}
