package dev.tern.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The soak (issue #18): a guest ({@link SoakGuest}: the own net-blk-counter ROM, or Debian with a
 * shell loop) writing a counter to its virtio-blk disk and sending it in a frame through
 * virtio-net, step after step, migrated from process to process
 * over and over, with a snapshot saved and restored every few hops. Every hop is a fresh JVM
 * receiving the guest while the last one exits. After each hop the guest is stopped and checked:
 * the {@link SoakObserver} has seen every counter exactly once and in order, across every process
 * the guest ran in, and the disk holds the last counter sent (or the next one, written before its
 * frame). Each hop's migration figures and the resident memory of the JVM that gave the guest away
 * are reported, so that growth over hours shows.
 *
 * <pre>scripts/soak.sh DURATION [SNAPSHOT_EVERY] [debian]</pre>
 * with DURATION like {@code 2m} or {@code 3h}; or from the test class path,
 * {@code scripts/test-main.sh samples/cli dev.tern.cli.Soak 2m}.
 */
public final class Soak {

    private static final Pattern COMPLETE = Pattern.compile("incoming migration complete");

    /** One hop: the figures of the migration and of the process that gave the guest away. */
    record Hop(int n, long totalMs, long downtimeMs, long bytes, long sourceRssKib, long counter, boolean snapshot) {
    }

    /** What a soak did. */
    record Result(List<Hop> hops, long frames, long hostDropped, List<String> violations) {
    }

    private final Path dir;
    private final PrintStream log;
    private final Path disk;
    private final SoakGuest guest;
    private int processes;

    Soak(Path dir, PrintStream log, SoakGuest guest) {
        this.dir = dir;
        this.log = log;
        this.disk = dir.resolve("disk.img");
        this.guest = guest;
    }

    /**
     * Hops until {@code duration} has passed and at least {@code minHops} were made, restoring a
     * snapshot every {@code snapshotEvery} hops (0: never); stops at the first violation.
     */
    Result run(Duration duration, int minHops, int snapshotEvery) throws Exception {
        Files.write(disk, new byte[guest.diskBytes()]);
        long end = System.nanoTime() + duration.toNanos();
        var hops = new ArrayList<Hop>();
        try (SoakObserver observer = new SoakObserver(guest.frames())) {
            Guest current = start(observer, false);
            try {
                guest.begin(current.peer());
                observer.awaitBeyond(0);
                for (int n = 1; (n <= minHops || System.nanoTime() < end) && observer.violations().isEmpty(); n++) {
                    observer.awaitBeyond(observer.last() + guest.stepsPerHop());
                    boolean snapshot = snapshotEvery > 0 && n % snapshotEvery == 0;
                    if (snapshot) {
                        restoreSnapshot(current, observer);
                    }
                    Guest next = start(observer, true);
                    Hop hop;
                    try {
                        hop = hop(n, current, next, observer, snapshot);
                    } catch (Exception | Error e) {
                        next.close(); // a failed hop must not leave the receiving JVM running
                        throw e;
                    }
                    current = next;
                    hops.add(hop);
                    log.printf("hop %d: total %d ms, downtime %d ms, %d KiB sent, source RSS %d MiB, counter %d%s%n",
                            hop.n(), hop.totalMs(), hop.downtimeMs(), hop.bytes() >> 10, hop.sourceRssKib() >> 10,
                            hop.counter(), snapshot ? " (after a snapshot restore)" : "");
                }
            } catch (IllegalStateException stalled) {
                log.println("soak: " + stalled.getMessage() + "; " + keepStalled(current));
                throw stalled;
            } finally {
                current.close();
                guest.close();
            }
            return new Result(hops, observer.packets(), observer.hostDropped(), observer.violations());
        }
    }

    /**
     * Stops the guest that stalled and saves it as snapshot {@code stalled}, so its device state
     * (e.g. how far the device read each virtqueue, its frame counters) can be read afterwards
     * with {@code tern analyze}; says where, or why not.
     */
    private String keepStalled(Guest guest) {
        try {
            guest.execute("stop", null);
            guest.hmp("savevm stalled");
            return "the guest is kept as snapshot 'stalled' in " + dir.resolve("snapshots");
        } catch (Exception | Error e) {
            return "the guest could not be kept: " + e;
        }
    }

    /** One process running (or about to receive) the guest, with its QMP connection. */
    private record Guest(MigrationPeer peer, QmpTestClient qmp, long pid) implements AutoCloseable {
        Map<String, Object> execute(String command, String arguments) throws IOException {
            Map<String, Object> reply = qmp.execute("{\"execute\": \"" + command + "\""
                    + (arguments == null ? "" : ", \"arguments\": " + arguments) + "}");
            if (reply.containsKey("error")) {
                throw new IllegalStateException("soak: QMP " + command + " failed: " + reply.get("error"));
            }
            return reply;
        }

        String hmp(String line) throws IOException {
            Object out = execute("human-monitor-command", "{\"command-line\": \"" + line + "\"}").get("return");
            String text = out == null ? "" : out.toString();
            if (text.startsWith("Error")) {
                throw new IllegalStateException("soak: '" + line + "' failed: " + text);
            }
            return text;
        }

        @Override
        public void close() throws IOException {
            qmp.close();
            peer.close();
        }
    }

    private Guest start(SoakObserver observer, boolean incoming) throws Exception {
        int id = processes++;
        Path qmpPath = dir.resolve("p" + id + ".qmp");
        var args = new ArrayList<>(guest.args(dir, disk, observer.port(), id));
        args.addAll(List.of("--snapshot-dir", dir.resolve("snapshots").toString(), "--qmp", "unix:" + qmpPath + ",server"));
        if (incoming) {
            args.addAll(List.of("--incoming", "defer"));
        }
        MigrationPeer peer = MigrationPeer.start(args.toArray(String[]::new));
        try {
            QmpTestClient qmp = connect(qmpPath, peer);
            qmp.execute("{\"execute\": \"qmp_capabilities\"}");
            return new Guest(peer, qmp, peer.process().pid());
        } catch (Exception | Error e) {
            peer.close();
            throw e;
        }
    }

    private static QmpTestClient connect(Path path, MigrationPeer peer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return QmpTestClient.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException notYet) {
                if (!peer.process().isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("soak: no QMP at " + path + "; output:\n" + peer.output(), notYet);
                }
                Thread.sleep(20); // the socket appears during the JVM's start-up; nothing tells when
            }
        }
    }

    /** Migrates from {@code from} to {@code to}, lets {@code from} exit, and checks the guest in {@code to}. */
    private Hop hop(int n, Guest from, Guest to, SoakObserver observer, boolean snapshot) throws Exception {
        to.execute("migrate-incoming", "{\"uri\": \"tcp:127.0.0.1:0\"}");
        String address = to.peer().awaitAddress();
        from.qmp().pendingEvents().clear(); // the MIGRATION events of the hop that brought the guest here
        from.execute("migrate-set-capabilities", "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}]}");
        from.execute("migrate", "{\"uri\": \"" + address + "\"}");
        Map<String, Object> info = awaitMigration(from);
        long rss = residentKib(from.pid());
        try {
            from.execute("quit", null);
        } catch (IOException closedFirst) {
            // the process may close QMP as it exits, before its reply is read
        }
        int exit = from.peer().awaitExit();
        from.qmp().close();
        if (exit != 0) {
            throw new IllegalStateException("soak: hop " + n + ": the source exited with " + exit + "; output:\n"
                    + from.peer().output());
        }
        to.peer().awaitLine(COMPLETE);
        long counter = check(n, to, observer);
        @SuppressWarnings("unchecked")
        Map<String, Object> ram = (Map<String, Object>) info.getOrDefault("ram", Map.of());
        return new Hop(n, number(info, "total-time"), number(info, "downtime"), number(ram, "transferred"), rss,
                counter, snapshot);
    }

    private static Map<String, Object> awaitMigration(Guest source) throws IOException {
        while (true) {
            Map<String, Object> event = source.qmp().event("MIGRATION");
            @SuppressWarnings("unchecked")
            Object status = ((Map<String, Object>) event.get("data")).get("status");
            if ("completed".equals(status) || "failed".equals(status) || "cancelled".equals(status)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> info = (Map<String, Object>) source.execute("query-migrate", null).get("return");
                if (!"completed".equals(status)) {
                    throw new IllegalStateException("soak: the migration " + status + ": " + info.get("error-desc"));
                }
                return info;
            }
        }
    }

    /** The guest runs on in {@code guest}; stopped, its disk must hold the last counter sent or the next. */
    private long check(int n, Guest guest, SoakObserver observer) throws Exception {
        observer.awaitBeyond(observer.last());
        guest.execute("stop", null);
        long last = observer.drain();
        long written = this.guest.diskCounter(disk);
        if (written != last && written != last + 1) {
            throw new IllegalStateException("soak: hop " + n + ": the disk holds counter " + written
                    + ", the last frame carried " + last);
        }
        guest.execute("cont", null);
        return last;
    }

    /** Saves a snapshot, lets the guest run on, restores it: the guest must go on from the saved counter. */
    private void restoreSnapshot(Guest guest, SoakObserver observer) throws Exception {
        guest.execute("stop", null);
        long saved = observer.drain();
        guest.hmp("savevm soak");
        guest.execute("cont", null);
        observer.awaitBeyond(saved + Math.min(100, this.guest.stepsPerHop()));
        guest.execute("stop", null);
        observer.drain();
        guest.hmp("loadvm soak");
        observer.expectNext(saved + 1);
        guest.execute("cont", null);
        observer.awaitRewound();
    }

    /** The resident set of process {@code pid} in KiB (Linux), -1 where unknown. */
    static long residentKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    private static long number(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number v ? v.longValue() : -1;
    }

    /** Prints the per-hop table and the summary; returns false if anything was violated. */
    static boolean report(Result r, PrintStream out) {
        out.println("| hop | total ms | downtime ms | KiB sent | source RSS MiB | counter |");
        out.println("|---|---|---|---|---|---|");
        for (Hop h : r.hops()) {
            out.printf("| %d%s | %d | %d | %d | %d | %d |%n", h.n(), h.snapshot() ? " (snapshot restored)" : "",
                    h.totalMs(), h.downtimeMs(), h.bytes() >> 10, h.sourceRssKib() >> 10, h.counter());
        }
        long maxDowntime = r.hops().stream().mapToLong(Hop::downtimeMs).max().orElse(-1);
        long firstRss = r.hops().isEmpty() ? -1 : r.hops().getFirst().sourceRssKib() >> 10;
        long maxRss = r.hops().stream().mapToLong(h -> h.sourceRssKib() >> 10).max().orElse(-1);
        out.printf("%d hops, %d frames in sequence (%d more dropped by the host's full socket buffer), max downtime"
                + " %d ms, source RSS %d MiB at hop 1, at most %d MiB%n",
                r.hops().size(), r.frames(), r.hostDropped(), maxDowntime, firstRss, maxRss);
        r.violations().forEach(v -> out.println("VIOLATION: " + v));
        return r.violations().isEmpty();
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1 || argv.length > 3 || argv.length == 3 && !argv[2].equals("debian")) {
            System.err.println("usage: Soak DURATION [SNAPSHOT_EVERY [debian]]   (DURATION like 2m or 3h; SNAPSHOT_EVERY"
                    + " default 5; debian: the Debian guest in ./guest instead of the own ROM)");
            System.exit(2);
        }
        Duration duration = parseDuration(argv[0]);
        int snapshotEvery = argv.length > 1 ? Integer.parseInt(argv[1]) : 5;
        SoakGuest guest = argv.length > 2 ? new SoakGuest.Debian(Path.of("guest").toAbsolutePath()) : new SoakGuest.NetBlkCounter();
        Path dir = Files.createTempDirectory("tern-soak");
        Result r = new Soak(dir, System.out, guest).run(duration, 1, snapshotEvery);
        System.exit(report(r, System.out) ? 0 : 1);
    }

    static Duration parseDuration(String text) {
        var m = Pattern.compile("(\\d+)([smh])").matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 90s, 2m or 3h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
