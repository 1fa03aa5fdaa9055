package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guest's pause during a new standby's full sync (docs/benchmarks.md, "Fault tolerance"): this
 * JVM is the primary, a child {@code tern run --ft standby} the first standby; once protected the
 * standby is killed and a second one started on the same address, and the pause of that second
 * full sync — the re-protection case, code already compiled — is printed. Not a test: run by hand,
 *
 * <pre>scripts/test-main.sh samples/cli dev.tern.cli.FtFullSyncBenchmark GUEST RAM MODE</pre>
 *
 * with GUEST a test guest ROM ({@code dirty-writer}), RAM e.g. {@code 96M}, MODE {@code precopy} or
 * {@code stop} (the primary's {@code full-sync=}).
 */
public final class FtFullSyncBenchmark {

    private static final Pattern PROTECTED = Pattern.compile("ft: protected by standby .*");

    private FtFullSyncBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String guest = args[0];
        String ram = args[1];
        String mode = args[2];
        Path dir = Files.createTempDirectory("ft-sync-bench");
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "benchmark\n");
        List<String> machine = List.of("--bios", RunMachines.guest(dir, guest + ".rom").toString(), "-m", ram,
                "--serial", "none");
        var log = new ByteArrayOutputStream();
        var out = new PrintStream(log, true, StandardCharsets.UTF_8);
        MigrationPeer first = MigrationPeer.start(standby(machine, "tcp:127.0.0.1:0", pw));
        String address = first.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
        try (Machine m = RunMachines.create(machine);
             FtPrimary primary = new FtPrimary(m, FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none"
                     + ",interval=50ms,timeout=5s,full-sync=" + mode), RunMachines.plugins(), out)) {
            m.start();
            primary.start();
            awaitLines(log, PROTECTED, 1);
            first.kill();
            first.close();
            awaitLines(log, Pattern.compile("ft: standby lost .*"), 1);
            try (MigrationPeer second = MigrationPeer.start(standby(machine, address, pw))) {
                Matcher again = awaitLines(log, PROTECTED, 2);
                System.out.println(guest + " " + ram + " full-sync=" + mode + ": " + again.group());
                second.kill();
            }
        }
    }

    private static String[] standby(List<String> machine, String address, Path pw) {
        var a = new ArrayList<>(machine);
        a.addAll(List.of("--ft", "standby,listen=" + address + ",password-file=" + pw + ",fencing=none"));
        return a.toArray(String[]::new);
    }

    /** The {@code n}th line of the primary's log matching {@code p}, once there is one. */
    private static Matcher awaitLines(ByteArrayOutputStream log, Pattern p, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            int seen = 0;
            for (String l : log.toString(StandardCharsets.UTF_8).split("\n")) {
                Matcher m = p.matcher(l);
                if (m.matches() && ++seen == n) {
                    return m;
                }
            }
            TimeUnit.MILLISECONDS.sleep(10); // poll pace
        }
        throw new IllegalStateException("no line " + n + " matching " + p + " in:\n" + log);
    }
}
