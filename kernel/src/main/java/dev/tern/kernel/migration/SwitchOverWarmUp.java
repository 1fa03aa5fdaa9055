package dev.tern.kernel.migration;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Runs the switch-over's own code that the RAM and device warm-ups do not — the wire's exchange (a
 * stream's last data and end, READY with the apply time, COMMIT) through a {@link WireOutput} and a
 * {@link WireInput} over memory, and the pause's trace events — a few hundred times. A real
 * migration runs it exactly once, with the guest stopped: without this, that once is the first
 * time the JVM loads, links and interprets the code (message records, the string concatenations
 * naming what is read), which costs milliseconds of the pause. Touches no connection and no machine.
 */
final class SwitchOverWarmUp {

    /** Enough calls for the JIT to compile the message paths; microseconds each. */
    private static final int RUNS = 300;

    private SwitchOverWarmUp() {
    }

    static void run() {
        new PausePhaseEvent().shouldCommit();
        new ReceivePhaseEvent().shouldCommit();
        byte[] data = new byte[512];
        Arrays.fill(data, (byte) 0x5A);
        var wire = new Wire();
        try {
            for (int i = 0; i < RUNS; i++) {
                wire.exchange(data, 1_000_000L + i);
            }
        } catch (IOException e) {
            // only a warm-up: a real migration reports its own errors
        }
        renderStats();
    }

    /**
     * Renders {@code info migrate}'s text once per shape (running, completed): each string
     * concatenation's call site is linked (a class spun) on its first use, which is otherwise the
     * monitor's first poll during a migration, taking CPU from the migration and the vCPU.
     */
    private static void renderStats() {
        for (MigrationStatus status : new MigrationStatus[] {MigrationStatus.ACTIVE, MigrationStatus.COMPLETED}) {
            new MigrationStats(status, 1, 1, 1, 1, PAGE, 0, PAGE, 0, 1, 0, 1.0, 1, 0, java.util.Map.of(), "", 1,
                    1, 1, false, java.util.Map.of("1a-stop", 1L), 0, 0, PAGE).render();
        }
    }

    private static final long PAGE = 4096;

    /** Both ends of a wire over memory, reused from one exchange to the next as a migration's are. */
    static final class Wire {
        private final MemoryConnection connection = new MemoryConnection();
        private final WireOutput out = new WireOutput(connection);
        private final WireInput in = new WireInput(connection);

        /** Sends {@code data} as a stream, then READY and COMMIT, and reads them back, checking each. */
        void exchange(byte[] data, long applyNanos) throws IOException {
            out.write(data, 0, data.length);
            out.endStream();
            out.control(WireMessage.READY, Long.toString(applyNanos));
            out.control(WireMessage.COMMIT, "");
            int read = in.readAllBytes().length;
            if (read != data.length) {
                throw new IOException("warm-up: a stream of " + data.length + " bytes came back as " + read);
            }
            in.nextStream();
            long echoed = SwitchOver.parseNanos(in.expect(WireMessage.READY));
            in.expect(WireMessage.COMMIT);
            if (echoed != applyNanos) {
                throw new IOException("warm-up: READY came back as " + echoed);
            }
        }
    }

    /** What is written is read back, in order; reading past the end is end-of-stream. */
    private static final class MemoryConnection implements Connection {
        private ByteBuffer bytes = ByteBuffer.allocate(1024);
        private int readAt;

        @Override
        public String peer() {
            return "memory";
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            if (bytes.remaining() < n) {
                bytes = ByteBuffer.allocate(Math.max(2 * bytes.capacity(), bytes.position() + n)).put(bytes.flip());
            }
            bytes.put(src);
            return n;
        }

        @Override
        public int read(ByteBuffer dst) {
            int n = Math.min(dst.remaining(), bytes.position() - readAt);
            if (n <= 0) {
                return -1;
            }
            dst.put(bytes.array(), readAt, n);
            readAt += n;
            if (readAt == bytes.position()) {
                bytes.clear(); // all read: start over, so a reused wire stays small
                readAt = 0;
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
