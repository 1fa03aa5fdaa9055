package dev.tern.kernel.ft;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The lease as a record in a file both sides open ({@code lease=file:PATH}), for pairs without a
 * witness process. Two byte-range locks of the operating system ({@code fcntl} record locks on
 * Linux) guard it:
 *
 * <ul>
 * <li>the <b>record lock</b>, taken for each read or write of the record ({@link LeaseRecord})
 *     and let go at once, so that the record changes hands atomically;</li>
 * <li>the <b>liveness lock</b>, kept by the holder for as long as it lives: the kernel drops it the
 *     moment that process ends, however it ends, so a killed holder's lease is free at once.</li>
 * </ul>
 *
 * <p>The lease is also bounded in time, so that a holder that stalls (SIGSTOP, swap) while its
 * process lives does not keep it for ever. The holder rewrites its record every quarter of the
 * lease T, counting up its renewal number, and counts its lease valid for 3T/4 from the start of
 * its last renewal that found the record still its own (a watchdog stops the guest then). A
 * contender takes a held record when the holder's liveness lock is free and the record says the
 * holder kept it, or when the record stayed unchanged for T on the contender's clock: every renewal
 * visible at the contender's first look began before it, so its validity ended before the
 * takeover. A holder that wakes finds another holder named in the record at its next renewal, and
 * it delivered nothing meanwhile (its lease was no longer valid on its own clock). The clocks of
 * the two processes must run at the same rate, as with a witness.
 *
 * <p>On a shared file system the record lock is also what makes a read see the last write (the
 * Linux NFS client revalidates its cache on taking a lock); a renewal that blocks behind a partition
 * counts as not made, so the watchdog stops a cut-off holder's guest within 3T/4.
 */
final class FileLease implements Lease {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** The byte taken for each look at the record (locks past the end of a file are allowed). */
    private static final long RECORD_RANGE = 1L << 20;
    /** The byte the holder keeps locked while its process lives. */
    private static final long LIVE_RANGE = RECORD_RANGE + 1;

    private final Path path;
    private final long leaseNanos;
    private final boolean primary;
    private final String id = HexFormat.of().toHexDigits(RANDOM.nextLong() | 1);
    private final Object lock = new Object();
    /** One write of the record at a time, outside {@code lock}: a write may block (a partitioned file system). */
    private final Object io = new Object();
    // guarded by lock
    private FileChannel channel;
    private FileLock live;
    private long epoch;
    private long renewal;
    private long lastWriteStartedAt = Long.MIN_VALUE;
    private long validUntil;
    private boolean lost;
    private boolean closed;
    private boolean kept;
    private String lostWhy = "";
    private Consumer<String> onLost;

    FileLease(Path path, Duration lease, boolean primary) {
        this.path = path;
        this.leaseNanos = lease.toNanos();
        this.primary = primary;
    }

    @Override
    public String where() {
        return "the lease file " + path;
    }

    @Override
    public String place() {
        return "on the lease file " + path;
    }

    @Override
    public String authority() {
        return "the lease file";
    }

    /** What one look at the file found. */
    private enum Look { TAKEN, ENDED, HELD, BUSY }

    /**
     * A contender's memory of a held record: unchanged for a whole lease, its holder stopped
     * renewing; changed, the holder renewed (counted).
     */
    private final class Watch {
        private LeaseRecord seen;
        private long since;
        private int renewals;

        /** Whether {@code r}, read before {@code readAt}, is the record seen a lease ago or longer. */
        boolean expired(LeaseRecord r, long readAt) {
            if (!r.equals(seen)) {
                if (seen != null) {
                    renewals++;
                }
                seen = r;
                since = readAt; // after the read: every renewal visible in it began earlier
                return false;
            }
            return readAt - since >= leaseNanos;
        }
    }

    /** A lock on one byte, or null when another holds it (this JVM included). */
    private static FileLock tryLock(FileChannel c, long at) throws IOException {
        try {
            return c.tryLock(at, 1, false);
        } catch (OverlappingFileLockException e) {
            return null; // this JVM holds it already (another lease object): not free for this one
        }
    }

    /** One look under the record lock: takes the lease when the record lets this side have it. */
    private Look look(Watch watch) throws IOException {
        long startedAt = System.nanoTime();
        synchronized (lock) {
            if (closed) {
                throw new IOException("the lease was closed");
            }
            if (channel == null) {
                channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
            }
            FileLock r = tryLock(channel, RECORD_RANGE);
            if (r == null) {
                return Look.BUSY;
            }
            FileLock l = null;
            try {
                LeaseRecord before = LeaseRecord.read(channel, path);
                long readAt = System.nanoTime();
                if (!primary && before != null && before.ended()) {
                    return Look.ENDED;
                }
                l = tryLock(channel, LIVE_RANGE);
                boolean free = before == null || before.state() != LeaseRecord.State.HELD
                        || (before.live() && l != null) // the holder's process ended
                        || watch.expired(before, readAt);
                if (!free) {
                    if (l != null) {
                        l.release();
                    }
                    return Look.HELD;
                }
                epoch = (before == null ? 0 : before.epoch()) + 1;
                renewal = 0;
                live = l;
                write(LeaseRecord.State.HELD, startedAt);
                return Look.TAKEN;
            } catch (IOException | RuntimeException e) {
                live = null;
                if (l != null) {
                    l.release(); // not this side's after all: a bad record or a failed write
                }
                throw e;
            } finally {
                r.release();
            }
        }
    }

    /** Writes this side's record under the record lock (guarded by lock), valid 3T/4 from {@code startedAt}. */
    private void write(LeaseRecord.State state, long startedAt) throws IOException {
        new LeaseRecord(id, primary, state, epoch, renewal, live != null).write(channel);
        lastWriteStartedAt = startedAt;
        validUntil = startedAt + leaseNanos - leaseNanos / 4;
        lock.notifyAll();
    }

    @Override
    public void acquireFirst(Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        Watch watch = new Watch();
        String why = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                if (look(watch) == Look.TAKEN) {
                    return;
                }
                why = "another live process holds it";
            } catch (IOException e) {
                why = e.getMessage();
            }
            TimeUnit.MILLISECONDS.sleep(100); // a retry pace: the holder may be ending
        }
        throw new IOException("ft: no lease from " + where() + " within " + patience.toSeconds() + " s (" + why + ")");
    }

    /**
     * Looks every T/8: granted when the holder's process ended or its record stayed unchanged for
     * T; a record renewed twice meanwhile is a live holder's (a dying one renews at most once more);
     * a file unusable or busy for 2T, unreachable.
     */
    @Override
    public Acquired acquire() throws InterruptedException {
        long start = System.nanoTime();
        Watch watch = new Watch();
        boolean reached = false;
        while (true) {
            try {
                switch (look(watch)) {
                    case TAKEN -> {
                        return Acquired.GRANTED;
                    }
                    case ENDED -> {
                        return Acquired.GUEST_ENDED;
                    }
                    case HELD -> reached = true;
                    case BUSY -> { } // a look of the holder's in progress, or a holder stalled inside one
                }
            } catch (IOException e) {
                // the file (its file system) is unusable now; retried below
            }
            if (watch.renewals >= 2) {
                return Acquired.HELD_BY_A_LIVE_PRIMARY;
            }
            if (System.nanoTime() - start > 2 * leaseNanos) {
                return reached ? Acquired.HELD_BY_A_LIVE_PRIMARY : Acquired.UNREACHABLE;
            }
            TimeUnit.NANOSECONDS.sleep(Math.max(1_000_000, leaseNanos / 8)); // retry pace
        }
    }

    @Override
    public void keep(Consumer<String> onLost) {
        synchronized (lock) {
            this.onLost = onLost;
            if (kept) {
                return; // a standby that took over hands its lease to the primary it becomes
            }
            kept = true;
        }
        // The validity counts from the take, which may be a while ago: renew before the watchdog
        // looks, so that it judges a renewal of now (or the loss of the lease meanwhile).
        if (!renewOnce()) {
            return;
        }
        Thread.ofPlatform().daemon().name("tern-ft-lease-file").start(this::renew);
        Thread.ofPlatform().daemon().name("tern-ft-lease-file-watchdog").start(this::watch);
    }

    /**
     * Writes this side's record with {@code state} while the lease is neither lost nor closed and
     * the record still names this side; the watchdog may declare the lease lost while it waits
     * for the record lock or the write blocks.
     */
    private void rewrite(LeaseRecord.State state) throws IOException {
        synchronized (io) {
            FileChannel c;
            synchronized (lock) {
                if (closed || lost) {
                    throw new IOException(closed ? "the lease was closed" : "the lease was lost");
                }
                c = channel;
            }
            long startedAt = System.nanoTime();
            FileLock r = awaitRecordLock(c);
            try {
                LeaseRecord now = LeaseRecord.read(c, path);
                if (now == null || !now.holder().equals(id) || now.epoch() != epoch) {
                    throw new IOException("the record names another holder (" + (now == null ? "none" : "epoch "
                            + now.epoch() + ", " + (now.primary() ? "primary" : "standby") + " " + now.holder())
                            + "): it took the lease while this side did not renew it");
                }
                FileLock l;
                synchronized (lock) {
                    l = live;
                }
                if (l == null) {
                    l = tryLock(c, LIVE_RANGE); // free once a stalled earlier holder's process ended
                }
                LeaseRecord next;
                synchronized (lock) {
                    if (closed || lost) {
                        throw new IOException(closed ? "the lease was closed" : "the lease was lost");
                    }
                    live = l;
                    renewal++;
                    next = new LeaseRecord(id, primary, state, epoch, renewal, l != null);
                }
                next.write(c); // outside lock: it may block, and the watchdog must be able to declare the loss
                synchronized (lock) {
                    if (!closed && !lost) {
                        lastWriteStartedAt = startedAt;
                        validUntil = startedAt + leaseNanos - leaseNanos / 4;
                    }
                    lock.notifyAll();
                }
            } finally {
                r.release();
            }
        }
    }

    /** The record lock, retried every millisecond while the lease is neither lost nor closed. */
    private FileLock awaitRecordLock(FileChannel c) throws IOException {
        while (true) {
            FileLock r = tryLock(c, RECORD_RANGE);
            if (r != null) {
                return r;
            }
            synchronized (lock) {
                if (closed || lost) {
                    throw new IOException(closed ? "the lease was closed" : "the lease was lost");
                }
                try {
                    lock.wait(1); // a contender's look holds it for one read
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the record lock", e);
                }
            }
        }
    }

    /** Declares the lease lost when no renewal completed within three quarters of a lease of its start. */
    private void watch() {
        String why;
        Consumer<String> told;
        synchronized (lock) {
            try {
                while (true) {
                    if (closed || lost) {
                        return;
                    }
                    long now = System.nanoTime();
                    if (now - validUntil >= 0) {
                        lost = true;
                        lostWhy = "no renewal of " + where() + " completed for "
                                + TimeUnit.NANOSECONDS.toMillis(now - lastWriteStartedAt) + " ms";
                        why = lostWhy;
                        told = onLost;
                        lock.notifyAll();
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, Math.max(1, Math.min(validUntil - now, leaseNanos / 8)));
                }
            } catch (InterruptedException e) {
                return;
            }
        }
        if (told != null) {
            told.accept(why);
        }
    }

    /** One renewal; false once the lease is lost or closed (a failed renewal loses it and says so). */
    private boolean renewOnce() {
        String why;
        Consumer<String> told;
        try {
            rewrite(LeaseRecord.State.HELD);
            return true;
        } catch (IOException e) {
            synchronized (lock) {
                if (closed || lost) {
                    return false; // ended here, or the watchdog told already
                }
                lost = true;
                lostWhy = "cannot keep " + where() + ": " + e.getMessage();
                why = lostWhy;
                told = onLost;
                lock.notifyAll();
            }
        }
        if (told != null) {
            told.accept(why);
        }
        return false;
    }

    private void renew() {
        long period = Math.max(1, leaseNanos / 4);
        while (true) {
            try {
                TimeUnit.NANOSECONDS.sleep(period); // the renewal period (keep() renewed first), not synchronisation
            } catch (InterruptedException e) {
                return;
            }
            if (!renewOnce()) {
                return;
            }
        }
    }

    @Override
    public boolean confirmedAfter(long sinceNanos) throws InterruptedException {
        synchronized (lock) {
            while (!lost && !closed && lastWriteStartedAt - sinceNanos <= 0) {
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(leaseNanos / 8)));
            }
            return !lost && !closed;
        }
    }

    @Override
    public boolean validNow() {
        synchronized (lock) {
            return !lost && !closed && System.nanoTime() - validUntil < 0;
        }
    }

    @Override
    public String lostWhy() {
        synchronized (lock) {
            return lostWhy;
        }
    }

    @Override
    public void end() {
        giveBack(LeaseRecord.State.ENDED);
    }

    @Override
    public void release() {
        giveBack(LeaseRecord.State.RELEASED);
    }

    private void giveBack(LeaseRecord.State state) {
        // Holding io from the last write through close(): a renewal queued on io behind that write
        // must find the lease closed, not overwrite "ended" (or "released") with "held".
        synchronized (io) {
            try {
                rewrite(state);
            } catch (IOException ignored) {
                // the locks go with close() all the same; a standby then finds no "ended" mark
            }
            close();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
            try {
                if (channel != null) {
                    channel.close(); // drops the locks
                }
            } catch (IOException ignored) {
                // the locks go with the descriptor
            }
            channel = null;
            live = null;
        }
    }
}
