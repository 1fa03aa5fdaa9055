package dev.tern.kernel.ft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The lease as an exclusive lock on a file both sides open ({@code lease=file:PATH}), for pairs
 * without a witness process. Whoever runs the guest holds the operating system's lock on the
 * file (an {@code fcntl} record lock on Linux), which the kernel drops the moment that process
 * ends, however it ends: a killed primary's lock is free for its standby at once, a live one's
 * never is. Under the lock the holder keeps a one-line record ({@link LeaseRecord}) saying who
 * holds it and whether the guest ended under it, so that a standby never brings a finished guest
 * back.
 *
 * <p>The holder rewrites its record every quarter of the lease (and forces it to the disk), and a
 * watchdog counts the lease lost when no write begun in the last three quarters of a lease has
 * completed: on a shared file system a partitioned client's write blocks (or fails once the
 * server revoked the lock), and the guest stops long before the server's own lease lets another
 * client take the lock. A standby that finds the lock held retries every
 * eighth of a lease for one lease — the dying primary's socket may close before its lock is
 * dropped — and then ends without running the guest.
 */
final class FileLease implements Lease {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path path;
    private final long leaseNanos;
    private final boolean primary;
    private final long id = RANDOM.nextLong() | 1;
    private final Object lock = new Object();
    /** One write of the record at a time, outside {@code lock}: a write may block (a partitioned file system). */
    private final Object io = new Object();
    // guarded by lock
    private FileChannel channel;
    private FileLock held;
    private long epoch;
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

    /**
     * One try: the lock if free. Granted, the record says the guest ended ({@code ended[0]}), or
     * this side holds it and its record is written.
     */
    private boolean tryTake(boolean[] ended) throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IOException("the lease was closed");
            }
            if (channel == null) {
                channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
            }
            FileLock l;
            try {
                l = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // this JVM holds it already (another lease object): not free for this one
            }
            if (l == null) {
                return false;
            }
            try {
                LeaseRecord before = LeaseRecord.read(channel, path);
                if (!primary && before != null && before.ended()) {
                    l.release();
                    ended[0] = true;
                    return false;
                }
                epoch = (before == null ? 0 : before.epoch()) + 1;
                held = l;
                write(LeaseRecord.State.HELD);
                return true;
            } catch (IOException | RuntimeException e) {
                held = null;
                l.release(); // not this side's after all: a bad record or a failed write
                throw e;
            }
        }
    }

    /** Writes this side's record with {@code state} and forces it (guarded by lock; only before keep). */
    private void write(LeaseRecord.State state) throws IOException {
        long startedAt = System.nanoTime();
        new LeaseRecord(HexFormat.of().toHexDigits(id), primary, state, epoch).write(channel);
        lastWriteStartedAt = startedAt;
        validUntil = startedAt + leaseNanos - leaseNanos / 4;
        lock.notifyAll();
    }

    @Override
    public void acquireFirst(Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        String why = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                if (tryTake(new boolean[1])) {
                    return;
                }
                why = "another process holds its lock";
            } catch (IOException e) {
                why = e.getMessage();
            }
            TimeUnit.MILLISECONDS.sleep(100); // a retry pace: the holder may be ending
        }
        throw new IOException("ft: no lease from " + where() + " within " + patience.toSeconds() + " s (" + why + ")");
    }

    @Override
    public Acquired acquire() throws InterruptedException {
        long start = System.nanoTime();
        boolean reached = false;
        while (true) {
            boolean[] ended = {false};
            try {
                if (tryTake(ended)) {
                    return Acquired.GRANTED;
                }
                if (ended[0]) {
                    return Acquired.GUEST_ENDED;
                }
                reached = true;
            } catch (IOException e) {
                // the file (its file system) is unusable now; retried below
            }
            long waited = System.nanoTime() - start;
            if (waited > (reached ? leaseNanos : 2 * leaseNanos)) {
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
            // the lock is held since the take, however long ago that was; the watchdog counts from the
            // first renewal's start, which is now
            validUntil = System.nanoTime() + leaseNanos - leaseNanos / 4;
        }
        Thread.ofPlatform().daemon().name("tern-ft-lease-file").start(this::renew);
        Thread.ofPlatform().daemon().name("tern-ft-lease-file-watchdog").start(this::watch);
    }

    /**
     * Writes this side's record with {@code state} while the lock is held and the lease is neither
     * lost nor closed; the watchdog may declare it lost while the write blocks.
     */
    private void rewrite(LeaseRecord.State state) throws IOException {
        synchronized (io) {
            FileChannel c;
            synchronized (lock) {
                if (closed || lost) {
                    throw new IOException(closed ? "the lease was closed" : "the lease was lost");
                }
                if (held == null || !held.isValid()) {
                    throw new IOException("the lock is no longer held");
                }
                c = channel;
            }
            long startedAt = System.nanoTime();
            new LeaseRecord(HexFormat.of().toHexDigits(id), primary, state, epoch).write(c);
            synchronized (lock) {
                lastWriteStartedAt = startedAt;
                validUntil = startedAt + leaseNanos - leaseNanos / 4;
                lock.notifyAll();
            }
        }
    }

    /** Declares the lease lost when no write completed within three quarters of a lease of its start. */
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
                        lostWhy = "no write to " + where() + " completed for "
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

    private void renew() {
        long period = Math.max(1, leaseNanos / 4);
        while (true) {
            String why = null;
            Consumer<String> told = null;
            try {
                rewrite(LeaseRecord.State.HELD);
            } catch (IOException e) {
                synchronized (lock) {
                    if (closed || lost) {
                        return; // ended here, or the watchdog told already
                    }
                    lost = true;
                    lostWhy = "cannot keep " + where() + ": " + e.getMessage();
                    why = lostWhy;
                    told = onLost;
                    lock.notifyAll();
                }
            }
            if (why != null) {
                if (told != null) {
                    told.accept(why);
                }
                return;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(period); // the renewal period, not synchronisation
            } catch (InterruptedException e) {
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
                // the lock goes with close() all the same; a standby then finds no "ended" mark
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
                    channel.close(); // drops the lock
                }
            } catch (IOException ignored) {
                // the lock goes with the descriptor
            }
            channel = null;
            held = null;
        }
    }
}
