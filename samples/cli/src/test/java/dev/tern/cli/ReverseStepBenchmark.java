package dev.tern.cli;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reverse-stepi latency in a replay of the Debian boot (docs/benchmarks.md, "GDB stub"). Not a
 * test: run by hand,
 *
 * <pre>scripts/test-main.sh samples/cli dev.tern.cli.ReverseStepBenchmark INSTRUCTIONS EVERY RUNS</pre>
 *
 * Records the boot for INSTRUCTIONS, replays it under a child {@code tern run --gdb} with a snapshot
 * every EVERY instructions, runs to the recording's end and then times RUNS reverse steps ({@code bs}
 * request to stop reply on a raw socket). With INSTRUCTIONS a multiple of EVERY each step replays
 * EVERY - 1 instructions or more from the previous snapshot: the worst case.
 */
public final class ReverseStepBenchmark {

    private ReverseStepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long instructions = Long.parseLong(args[0]);
        long every = Long.parseLong(args[1]);
        int runs = Integer.parseInt(args[2]);
        Path dir = Files.createTempDirectory("reverse-bench");
        Path rr = dir.resolve("boot.rr");
        // scripts/test-main.sh runs from the repository root, tests from the module directory
        Path guest = Files.isDirectory(Path.of("guest")) ? Path.of("guest") : LinuxGuest.guestDir();
        String[] machine = {"--kernel", guest.resolve("vmlinuz").toString(), "--initrd", guest.resolve("initrd.cpio").toString(),
                "--append", LinuxGuest.APPEND, "-m", "128M", "--serial", "none"};
        var rec = RecordReplayCliTest.cli(concat(new String[] {"run"}, concat(machine, "--pacing", "warp", "--record", rr.toString(),
                "--max-instructions", Long.toString(instructions))));
        if (rec.status() != 0) {
            throw new IllegalStateException(rec.err());
        }
        try (var tern = DebuggedTern.start(concat(machine, "--replay", rr.toString(), "--replay-snapshot-every", Long.toString(every)));
             var s = new Socket("127.0.0.1", tern.port())) {
            var peer = new RspPeer(s.getInputStream(), s.getOutputStream());
            long t0 = System.nanoTime();
            String end = peer.request("c");
            System.out.printf("forward replay of %,d instructions with snapshots: %.2f s (%s)%n", instructions,
                    (System.nanoTime() - t0) / 1e9, end);
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t = System.nanoTime();
                String r = peer.request("bs");
                ms[i] = (System.nanoTime() - t) / 1e6;
                System.out.printf("bs %d: %.0f ms (%s)%n", i + 1, ms[i], r);
            }
            Arrays.sort(ms);
            System.out.printf("reverse-stepi, snapshot every %,d: median %.0f ms, range %.0f-%.0f ms over %d runs%n",
                    every, ms[runs / 2], ms[0], ms[runs - 1], runs);
            peer.send("k");
            tern.awaitExit();
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
