package dev.tern.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What the soak runs: a guest that writes an increasing counter to its virtio-blk disk and then
 * sends it through virtio-net, step after step, for ever. Each kind says how to start it, how its
 * frames and its disk carry the counter, and how many steps make a hop.
 */
sealed interface SoakGuest permits SoakGuest.NetBlkCounter, SoakGuest.Debian {

    /**
     * The machine's arguments (without monitor, snapshot directory or {@code --incoming}) for the
     * process numbered {@code id}: 0 starts the guest, every later one receives it.
     */
    List<String> args(Path dir, Path disk, int observerPort, int id) throws IOException;

    /** The counter a frame carries, or -1 for a frame that is not the guest's. */
    ToIntFunction<ByteBuffer> frames();

    /** The counter the disk holds. */
    long diskCounter(Path disk) throws IOException;

    /** The disk image's size. */
    int diskBytes();

    /** Steps the guest runs between two hops, and after a snapshot before it is restored. */
    long stepsPerHop();

    /** Starts the guest's loop in process 0, once it runs (a guest whose loop starts by itself does nothing). */
    default void begin(MigrationPeer first) throws Exception {
    }

    /** Ends what {@link #begin} opened. */
    default void close() throws IOException {
    }

    /**
     * The own net-blk-counter ROM: the counter as a little-endian u32 in sector 0, the frame
     * EtherType 0x88b5 with "TERN" and the counter; about 40,000 instructions a step.
     */
    record NetBlkCounter() implements SoakGuest {
        @Override
        public List<String> args(Path dir, Path disk, int observerPort, int id) throws IOException {
            return List.of("--bios", RunMachines.guest(dir, "net-blk-counter.rom").toString(), "-m", "4M",
                    "--serial", "none", "--device", "virtio-blk,path=" + disk + ",modern=false",
                    // each process its own local port: two of them are alive during a hop
                    "--device", "virtio-net,backend=udp,local=127.0.0.1:0,remote=127.0.0.1:" + observerPort
                            + ",modern=false");
        }

        @Override
        public ToIntFunction<ByteBuffer> frames() {
            return SoakObserver.GUEST_FRAME;
        }

        @Override
        public long diskCounter(Path disk) throws IOException {
            try (FileChannel c = FileChannel.open(disk, StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                c.read(b, 0);
                return Integer.toUnsignedLong(b.getInt(0));
            }
        }

        @Override
        public int diskBytes() {
            return 64 << 10;
        }

        @Override
        public long stepsPerHop() {
            return 1500; // about a second of host time at full speed
        }
    }

    /**
     * Debian's kernel and busybox with the stock virtio drivers: a shell loop writes the counter in
     * decimal to {@code /dev/vda} ({@code dd ... conv=fsync}) and sends it in a syslog datagram
     * ({@code logger} to {@code syslogd -R}), as {@link LinuxFtNetBlkTest}'s guest does, without end.
     * Process 0 boots it with its console on a TCP port, where the loop is typed at the prompt.
     */
    final class Debian implements SoakGuest {
        /**
         * Typed at the prompt: eth0 up with a static neighbour (no ARP on the wire, so every frame is a
         * counter) and syslog forwarded over UDP (busybox's {@code nc} has no UDP); echoes
         * {@link #NET_READY} when done.
         */
        static final String NET_SETUP = "ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up && arp -s 10.0.2.2"
                + " 52:54:00:12:34:02 && syslogd -R 10.0.2.2:514 -S && echo net-$((40+2))\r";
        static final String NET_READY = "net-42\r\n" + LinuxGuest.PROMPT;

        private final Path guest;
        private int consolePort;
        private LinuxMigrationTest.Console console;

        Debian(Path guest) {
            this.guest = guest;
        }

        @Override
        public List<String> args(Path dir, Path disk, int observerPort, int id) throws IOException {
            String serial;
            if (id == 0) {
                consolePort = LinuxMigrationTest.freeTcpPort();
                serial = "tcp:127.0.0.1:" + consolePort;
            } else {
                serial = "file:" + dir.resolve("p" + id + ".console");
            }
            return List.of("--kernel", guest.resolve("vmlinuz").toString(), "--initrd",
                    guest.resolve("initrd.cpio").toString(), "--append", LinuxGuest.APPEND + " ipv6.disable=1",
                    "--pacing", "warp", "--serial", serial, "--device", "virtio-blk,path=" + disk,
                    "--device", "virtio-net,backend=udp,local=127.0.0.1:0,remote=127.0.0.1:" + observerPort);
        }

        @Override
        public void begin(MigrationPeer first) throws Exception {
            console = LinuxMigrationTest.Console.connect(consolePort);
            console.awaitText(LinuxGuest.PROMPT, 0, first);
            // a static neighbour: no ARP on the wire, so every frame is a counter
            console.type(NET_SETUP);
            console.awaitText(NET_READY, 0, first);
            console.type("n=0; while true; do n=$((n+1)); echo $n | dd of=/dev/vda bs=512 count=1 conv=sync,fsync"
                    + " 2>/dev/null; logger -t tern \"counter=$n;\"; done\r");
        }

        @Override
        public void close() throws IOException {
            if (console != null) {
                console.close();
            }
        }

        @Override
        public ToIntFunction<ByteBuffer> frames() {
            return LinuxFtNetBlkTest.SYSLOG_FRAME;
        }

        @Override
        public long diskCounter(Path disk) throws IOException {
            return decimalCounter(disk);
        }

        /**
         * The loop's {@code echo $n} at the start of a disk image: the counter, 0 for a disk nothing
         * was written to yet, -1 for anything else.
         */
        static long decimalCounter(Path disk) throws IOException {
            byte[] head = new byte[16];
            try (var in = Files.newInputStream(disk)) {
                in.readNBytes(head, 0, head.length);
            }
            String text = new String(head, StandardCharsets.US_ASCII);
            int end = text.indexOf('\n');
            if (end <= 0) {
                return head[0] == 0 ? 0 : -1;
            }
            try {
                return Long.parseLong(text.substring(0, end));
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public int diskBytes() {
            return 1 << 20;
        }

        @Override
        public long stepsPerHop() {
            return 40; // each step forks dd and logger in the guest
        }
    }
}
