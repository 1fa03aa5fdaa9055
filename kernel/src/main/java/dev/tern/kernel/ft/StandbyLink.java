package dev.tern.kernel.ft;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The primary's side of one session's connection to its standby: what the standby sends (ACKs, a
 * refusal), read on a thread of its own; the heartbeats it is sent, on another; and whether it is
 * alive. Its state is guarded by the primary's lock, which it notifies on every message and
 * failure, so that the primary's waits (for a tick, an ACK, room for held output) wake on them. A
 * session's link ends with the session: a new standby gets a new link, and a late message of the
 * old one changes nothing the new session reads.
 */
final class StandbyLink {

    private final FtWire wire;
    private final Object lock;
    private final long timeoutNanos;
    private Thread heartbeat;
    // guarded by lock
    private long acked = -1;
    private long lastHeard;
    private IOException failure;

    /** A link over {@code wire}, heard from now; {@code lock} is the primary's. */
    StandbyLink(FtWire wire, Object lock, long timeoutNanos) {
        this.wire = wire;
        this.lock = lock;
        this.timeoutNanos = timeoutNanos;
        synchronized (lock) {
            lastHeard = System.nanoTime();
        }
    }

    /**
     * After the handshake: counts the standby as heard now and starts reading its messages and
     * sending heartbeats, at least once an {@code intervalNanos} (a standby may watch with its own,
     * shorter timeout than the primary's).
     */
    void start(long intervalNanos) {
        synchronized (lock) {
            lastHeard = System.nanoTime();
        }
        Thread.ofPlatform().daemon().name("tern-ft-primary-reader").start(this::read);
        long period = Math.max(1, Math.min(timeoutNanos / 4, intervalNanos));
        heartbeat = Thread.ofPlatform().daemon().name("tern-ft-heartbeat").start(() -> beat(period));
    }

    /** Stops the heartbeats (the session ended; the reader ends with the connection). */
    void stop() {
        if (heartbeat != null) {
            heartbeat.interrupt();
        }
    }

    /** Holding the lock: the last checkpoint the standby acknowledged; -1 before the full sync's. */
    long acked() {
        return acked;
    }

    /**
     * Holding the lock: throws when the standby failed (refused, went away) or was silent longer
     * than the heartbeat timeout — longer than {@link FtPrimary#SYNC_TIMEOUT} until it acknowledged
     * the full sync.
     */
    void check() throws IOException {
        if (failure != null) {
            throw failure;
        }
        long silent = System.nanoTime() - lastHeard;
        long limit = acked < 0 ? Math.max(timeoutNanos, FtPrimary.SYNC_TIMEOUT.toNanos()) : timeoutNanos;
        if (silent > limit) {
            throw new IOException("no heartbeat for " + TimeUnit.NANOSECONDS.toMillis(silent) + " ms");
        }
    }

    private void read() {
        try {
            while (true) {
                FtWire.Message m = wire.receive();
                synchronized (lock) {
                    lastHeard = System.nanoTime();
                    switch (m.kind()) {
                        case HEARTBEAT -> FtWire.exactly(m, 0);
                        case ACK -> acked = Math.max(acked, FtWire.exactly(m, 8).getLong());
                        case REFUSED -> throw new FtRefusedException(m.text());
                        default -> throw new IOException("ft wire: unexpected " + m.kind() + " from the standby");
                    }
                    lock.notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (lock) {
                if (failure == null) {
                    failure = e;
                }
                lock.notifyAll();
            }
        }
    }

    private void beat(long period) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                wire.send(FtMessage.HEARTBEAT);
                TimeUnit.NANOSECONDS.sleep(period); // the heartbeat's period, not synchronisation
            }
        } catch (IOException | InterruptedException e) {
            // the connection is gone or protection ended: the checkpoint thread reports it
        }
    }
}
