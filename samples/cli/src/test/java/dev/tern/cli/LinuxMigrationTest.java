package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.LinuxBoot;
import dev.tern.spi.ConfigType;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Debian guest live-migrated between two JVMs in the middle of its boot, while the PIT, the
 * UART and the PIC are busy: the destination boots on to the shell prompt, the serial output of the
 * source before the switch-over and of the destination after it is byte for byte the output of an
 * uninterrupted run up to that prompt, and the migrated shell runs a command typed on its console.
 */
class LinuxMigrationTest {

    /** Mid-boot: the kernel is printing its boot log and probing devices. */
    private static final long MIGRATE_AT = 180_000_000L;
    /** Past the shell prompt (about 545 M instructions); bounds the uninterrupted run. */
    private static final long BUDGET = 650_000_000L;
    /** Bounds the migrated runs, which also idle at the prompt and run a command. */
    private static final long BOUND = 3 * BUDGET;

    private static final AtomicReference<String> WHOLE = new AtomicReference<>();

    @TempDir
    Path dir;

    private final PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    private static List<String> boot() {
        Path guest = LinuxGuest.guestDir();
        return List.of("--kernel", guest.resolve("vmlinuz").toString(), "--initrd",
                guest.resolve("initrd.cpio").toString(), "--append", LinuxGuest.APPEND, "--pacing", "warp");
    }

    /** The serial output of a run that never migrated, up to and including its first prompt. */
    private String uninterruptedUpToPrompt() throws Exception {
        String known = WHOLE.get();
        if (known == null) {
            Path whole = dir.resolve("whole.log");
            List<String> run = LiveMigrationTest.with(List.of("run"), boot().toArray(String[]::new));
            assertEquals(0, Main.execute(LiveMigrationTest.with(run, "--serial", "file:" + whole,
                    "--max-instructions", Long.toString(BUDGET)).toArray(String[]::new)));
            String text = Files.readString(whole);
            int prompt = text.indexOf(LinuxGuest.PROMPT);
            assertTrue(prompt > 0, "the uninterrupted run did not reach the prompt:\n" + text);
            known = text.substring(0, prompt + LinuxGuest.PROMPT.length());
            WHOLE.set(known);
        }
        return known;
    }

    /** A source machine assembled as {@code tern run} assembles it, the kernel loaded. */
    private Machine source(List<String> args) throws Exception {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        BootImage image = LinuxBoot.prepare(cmd.kernel, cmd.initrd, cmd.append, (Long) ConfigType.SIZE.parse(cmd.memory));
        Machine m = Machine.create(plugins, cmd.spec(image.firmware()));
        image.load(m.memory());
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp-xbzrle", "shm", "tcp-postcopy"})
    @Timeout(1200)
    void migratedMidBootReachesThePromptWithIdenticalOutputAndRunsACommand(String how) throws Exception {
        LinuxGuest.assumeGuest();
        String expected = uninterruptedUpToPrompt();
        int consolePort = freeTcpPort();
        long pausedAt = -1;
        String sourceState = null;
        String listen = how.equals("shm") ? LiveMigrationTest.listenAddress("shm", dir) : "tcp:127.0.0.1:0";
        Path before = dir.resolve("before.log");
        List<String> bound = List.of("--max-instructions", Long.toString(BOUND));
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(LiveMigrationTest.with(boot(),
                "--serial", "tcp:127.0.0.1:" + consolePort, "--incoming", listen, "--print-digest"), bound.toArray(String[]::new))
                .toArray(String[]::new))) {
            String address = dest.awaitAddress();
            try (Console console = Console.connect(consolePort)) {
                try (Machine source = source(LiveMigrationTest.with(LiveMigrationTest.with(boot(),
                        "--serial", "file:" + before), bound.toArray(String[]::new)))) {
                    source.start();
                    LiveMigrationTest.runAtLeast(source, MIGRATE_AT);
                    boolean postcopy = how.equals("tcp-postcopy");
                    var config = MigrationConfig.DEFAULT.withCapability("xbzrle", how.equals("tcp-xbzrle"))
                            .withCapability("postcopy-ram", postcopy);
                    var migration = new MigrationSource(source, MigrationUri.parse(address).connect(plugins), config,
                            plugins);
                    if (postcopy) {
                        // at once: the guest moves after the first part, nearly all of its RAM still on the source
                        migration.startPostcopy();
                    }
                    MigrationStats stats = migration.run();
                    System.out.println("Linux mid-boot migration (" + how + "):\n" + stats.render());
                    assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
                    pausedAt = source.vcpus().getFirst().instructionCount();
                    sourceState = MachineDigest.full(source);
                    if (postcopy) {
                        // no digest at the switch-over: the destination's RAM is whole only at the end
                        assertTrue(stats.postcopy().missingPages() > 0 && stats.postcopy().remainingPages() == 0,
                                stats.render());
                        assertTrue(dest.output().contains("switched over to post-copy"), dest.output());
                    } else {
                        LiveMigrationTest.assertSwitchOverFollowedTheEstimates(migration, stats, config.downtimeLimitMs());
                        MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
                        assertEquals(pausedAt, received.instructions(), "instruction count at switch-over");
                        assertEquals(MachineDigest.ram(source), received.ram(), "RAM differs at switch-over");
                        assertEquals(sourceState, received.state(), "machine state differs at switch-over");
                    }
                }
                String first = Files.readString(before);
                assertTrue(first.contains("Linux version") && !first.contains(LinuxGuest.PROMPT),
                        "the migration did not happen mid-boot:\n" + first);
                String rest = console.awaitText(LinuxGuest.PROMPT, 0, dest);
                int prompt = rest.indexOf(LinuxGuest.PROMPT) + LinuxGuest.PROMPT.length();
                assertTrue(!rest.contains("Linux version"), "the destination booted anew:\n" + rest);
                String migrated = first + rest.substring(0, prompt);
                if (!expected.equals(migrated)) {
                    assertEquals(expected, migrated, "the output before and after the migration differs from the"
                            + " uninterrupted run; " + whereItDiverged(pausedAt, sourceState));
                }
                console.type("echo migrated-$((6*7))\r");
                console.awaitText("migrated-42", prompt, dest);
            }
        }
    }

    /**
     * Tells a failure's two possible causes apart: the source's state at the switch-over compared with
     * that of a run that never migrated, paused at the same instruction.
     */
    private String whereItDiverged(long pausedAt, String sourceState) throws Exception {
        try (Machine reference = source(LiveMigrationTest.with(boot(), "--serial", "file:" + dir.resolve("reference.log")))) {
            var at = reference.pauseAt(pausedAt);
            reference.start();
            at.get();
            return MachineDigest.full(reference).equals(sourceState)
                    ? "the source's state at the switch-over (instruction " + pausedAt + ") equals an uninterrupted"
                            + " run's there: the destination diverged after it"
                    : "the source's state at the switch-over (instruction " + pausedAt + ") already differs from an"
                            + " uninterrupted run's there";
        }
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The destination's COM1 over its TCP serial backend, collected for the test to wait on. */
    static final class Console implements AutoCloseable {
        private final Socket socket;
        private final StringBuilder text = new StringBuilder();
        private boolean ended;

        private Console(Socket socket) {
            this.socket = socket;
            Thread.ofPlatform().daemon().start(this::collect);
        }

        static Console connect(int port) throws IOException {
            return new Console(new Socket(InetAddress.getLoopbackAddress(), port));
        }

        private void collect() {
            byte[] buf = new byte[4096];
            try (InputStream in = socket.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (this) {
                        text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the destination ended
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        void type(String line) throws IOException {
            socket.getOutputStream().write(line.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        }

        /** Waits (bounded) until {@code wanted} appears at or after {@code from}; returns all text so far. */
        synchronized String awaitText(String wanted, int from, MigrationPeer dest) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (text.indexOf(wanted, from) < 0) {
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    fail("the console never showed '" + wanted + "'; console:\n" + text + "\npeer:\n" + dest.output());
                }
                wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
            return text.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
