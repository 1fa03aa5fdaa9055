package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Checkpoint pauses of a protected guest (docs/benchmarks.md, "Fault tolerance"): this JVM is the
 * primary, a child {@code tern run --ft standby} the standby. Not a test: run by hand,
 *
 * <pre>scripts/test-main.sh samples/cli dev.tern.cli.FtBenchmark GUEST RAM SECONDS INTERVAL [FT-KEYS]</pre>
 *
 * with GUEST a test guest ROM ({@code dirty-writer}), RAM e.g. {@code 256M}, SECONDS how long to
 * stay protected after the full sync, INTERVAL e.g. {@code 50ms}, FT-KEYS more keys of the primary's
 * {@code --ft} (e.g. {@code full-sync=stop}). Prints {@code info ft}.
 */
public final class FtBenchmark {

    private FtBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String guest = args[0];
        String ram = args[1];
        long seconds = Long.parseLong(args[2]);
        String interval = args[3];
        String more = args.length > 4 ? "," + args[4] : "";
        Path dir = Files.createTempDirectory("ft-bench");
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "benchmark\n");
        List<String> machine = List.of("--bios", RunMachines.guest(dir, guest + ".rom").toString(), "-m", ram,
                "--serial", "none");
        var standbyArgs = new java.util.ArrayList<>(machine);
        standbyArgs.addAll(List.of("--ft", "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"));
        try (MigrationPeer standby = MigrationPeer.start(standbyArgs.toArray(String[]::new));
             Machine m = RunMachines.create(machine)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            var protectedLine = new CountDownLatch(1);
            var log = new PrintStream(new ByteArrayOutputStream() {
                @Override
                public synchronized void write(byte[] b, int off, int len) {
                    super.write(b, off, len);
                    System.err.write(b, off, len);
                    if (toString(StandardCharsets.UTF_8).contains("ft: protected by standby")) {
                        protectedLine.countDown();
                    }
                }
            }, true, StandardCharsets.UTF_8);
            var config = FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=" + interval + more);
            try (FtPrimary primary = new FtPrimary(m, config, RunMachines.plugins(), log)) {
                m.start();
                primary.start();
                if (!protectedLine.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never protected:\n" + standby.output());
                }
                TimeUnit.SECONDS.sleep(seconds); // the measured period
                System.out.println("guest " + guest + ", RAM " + ram + ", interval " + interval + ", " + seconds
                        + " s protected, instructions " + m.vcpus().getFirst().instructionCount());
                System.out.print(primary.render());
            }
        }
        // What the pause figures leave out: the rendezvous's own work before the copy (every vCPU
        // drops its write permissions, the dirty bitmap is swapped), timed inline on an idle machine.
        try (Machine idle = RunMachines.create(machine)) {
            idle.memory().dirtyLog().enable();
            long best = Long.MAX_VALUE;
            for (int i = 0; i < 200; i++) {
                idle.memory().write(0x100000 + (i % 64) * 4096L, new byte[] {1}, 0, 1);
                long t0 = System.nanoTime();
                idle.syncDirtyLog();
                best = Math.min(best, System.nanoTime() - t0);
            }
            System.out.printf("dirty-log sync (write-protect + bitmap swap) alone: %.3f ms (best of 200)%n", best / 1e6);
        }
    }
}
