package dev.tern.kernel.ft;

import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One side's lease at the witness ({@link LeaseWitness}). The primary {@link #keep}s it: a renewal
 * every quarter of the lease, and a watchdog that declares the lease lost a quarter of the lease
 * <em>before</em> it would run out at the witness — the primary's validity counts from when it
 * sent the renewal, the witness's from when it received it, so the primary always gives up first
 * (given clocks of one rate and a guest stop shorter than that quarter). The standby
 * {@link #acquire}s it before it takes over.
 *
 * <p>Every exchange with the witness — connecting, the handshake, a request and its answer — has
 * half a lease to finish; then its connection is closed and the exchange fails, and the next one
 * reconnects. A witness behind a partition that accepts connections and drops every byte thus
 * costs half a lease per attempt, not the transport's I/O timeout (tcp: 30 s): its answer would
 * come too late to matter anyway.
 */
final class WitnessLease implements Lease {

    /** What {@code remainingMs} holds after a request the witness answered: the guest ended at its primary. */
    private static final long ENDED = -1;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String address;
    private final byte[] secret;
    private final PluginRegistry plugins;
    private final long leaseNanos;
    private final boolean primary;
    private final long id;
    private final Object lock = new Object();
    /** One exchange with the witness at a time (the renewer, a release). */
    private final Object io = new Object();
    // guarded by lock
    private FtWire wire;
    private long inFlightSince = -1;
    private long validUntil;
    private long lastGrantSentAt = Long.MIN_VALUE;
    private boolean lost;
    private boolean closed;
    private String lostWhy = "";
    private boolean kept;
    /** The connection of the exchange in flight (also while it handshakes), for the deadline to close. */
    private FtWire exchanging;
    /** The deadline closed the exchange in flight. */
    private boolean overdue;
    private boolean bounding;
    private java.util.function.Consumer<String> onLost;

    WitnessLease(String address, byte[] secret, PluginRegistry plugins, Duration lease, boolean primary) {
        this.address = address;
        this.secret = secret.clone();
        this.plugins = plugins;
        this.leaseNanos = lease.toNanos();
        this.primary = primary;
        long r = 0;
        while (r == 0) {
            r = RANDOM.nextLong();
        }
        this.id = r;
    }

    @Override
    public String where() {
        return "the witness " + address;
    }

    @Override
    public String place() {
        return "at the witness";
    }

    @Override
    public String authority() {
        return "the witness";
    }

    /**
     * One request; true when granted. Sets the validity from the send time.
     *
     * @throws IOException when the witness cannot be reached or answers nonsense
     */
    private boolean request(long[] remainingMs) throws IOException {
        synchronized (io) {
            return exchange(remainingMs);
        }
    }

    private boolean exchange(long[] remainingMs) throws IOException {
        long sentAt = System.nanoTime();
        FtWire w = connected(sentAt);
        synchronized (lock) {
            exchanging = w;
        }
        try {
            w.send(FtMessage.LEASE_REQUEST, ByteBuffer.allocate(17).putLong(id)
                    .putLong(TimeUnit.NANOSECONDS.toMillis(leaseNanos)).put((byte) (primary ? 0 : 1)).flip());
            FtWire.Message m = w.receive();
            switch (m.kind()) {
                case LEASE_GRANTED -> {
                    FtWire.exactly(m, 8);
                    synchronized (lock) {
                        finished();
                        if (!lost) {
                            validUntil = sentAt + leaseNanos - leaseNanos / 4;
                            lastGrantSentAt = sentAt;
                        }
                        lock.notifyAll();
                    }
                    return true;
                }
                case LEASE_DENIED -> {
                    ByteBuffer b = FtWire.exactly(m, 16);
                    b.getLong();
                    remainingMs[0] = Math.max(1, Math.min(b.getLong(), TimeUnit.NANOSECONDS.toMillis(leaseNanos) * 2));
                    synchronized (lock) {
                        finished();
                    }
                    return false;
                }
                case LEASE_ENDED -> {
                    FtWire.exactly(m, 8);
                    remainingMs[0] = ENDED;
                    synchronized (lock) {
                        finished();
                    }
                    return false;
                }
                default -> throw new IOException("ft witness: unexpected " + m.kind() + " from the witness");
            }
        } catch (IOException | RuntimeException e) {
            throw drop(w, e);
        }
    }

    private FtWire connected(long now) throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IOException("the lease was closed");
            }
            begin(now);
            if (wire != null) {
                return wire;
            }
        }
        FtWire w;
        try {
            w = new FtWire(MigrationUri.parse(address).connect(plugins));
        } catch (IOException | RuntimeException e) {
            synchronized (lock) {
                finished();
            }
            throw e;
        }
        synchronized (lock) {
            exchanging = w;
            if (overdue) {
                w.close(); // the connect alone took half a lease: the handshake fails at once
            }
        }
        try {
            FtHandshake.leaseClient(w, secret);
        } catch (IOException | RuntimeException e) {
            throw drop(w, e);
        }
        synchronized (lock) {
            wire = w;
        }
        return w;
    }

    /** An exchange starts now: the deadline counts from here (guarded by lock). */
    private void begin(long now) {
        inFlightSince = now;
        overdue = false;
        if (!bounding) {
            bounding = true;
            Thread.ofPlatform().daemon().name("tern-ft-lease-deadline").start(this::bound);
        }
        lock.notifyAll();
    }

    /** The exchange in flight ended (guarded by lock). */
    private void finished() {
        inFlightSince = -1;
        exchanging = null;
    }

    /** Closes {@code w} after a failed exchange; what to throw, saying so when the deadline ended it. */
    private IOException drop(FtWire w, Exception e) {
        boolean late;
        synchronized (lock) {
            if (wire == w) {
                wire = null;
            }
            late = overdue && exchanging == w;
            finished();
        }
        w.close();
        if (late) {
            return new IOException("the witness " + address + " did not answer within "
                    + TimeUnit.NANOSECONDS.toMillis(leaseNanos / 2) + " ms (half a lease)", e);
        }
        return e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }

    /** Closes the connection of an exchange older than half a lease, until the lease is closed. */
    private void bound() {
        synchronized (lock) {
            try {
                while (!closed) {
                    long now = System.nanoTime();
                    if (inFlightSince < 0 || overdue) {
                        lock.wait(); // until the next exchange starts
                    } else if (now - inFlightSince >= leaseNanos / 2) {
                        overdue = true;
                        if (exchanging != null) {
                            exchanging.close(); // the blocked exchange fails now
                        }
                    } else {
                        TimeUnit.NANOSECONDS.timedWait(lock, inFlightSince + leaseNanos / 2 - now);
                    }
                }
            } catch (InterruptedException e) {
                // the JVM ends
            }
        }
    }

    /**
     * The primary's first acquisition, before its guest runs: retries while the witness is
     * unreachable or an earlier holder's lease runs out, for at most {@code patience}.
     *
     * @throws IOException naming why no lease was granted
     */
    @Override
    public void acquireFirst(Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        String why = "";
        while (System.nanoTime() - deadline < 0) {
            long[] remaining = {0};
            try {
                if (request(remaining)) {
                    return;
                }
                why = "another process holds the lease";
                TimeUnit.MILLISECONDS.sleep(remaining[0]); // until that lease would run out
            } catch (IOException e) {
                why = "cannot reach the witness at " + address + ": " + e.getMessage();
                TimeUnit.MILLISECONDS.sleep(100); // a retry pace: the witness may not listen yet
            }
        }
        throw new IOException("ft: no lease from the witness within " + patience.toSeconds() + " s (" + why + ")");
    }

    /**
     * Keeps the lease from now on: renews it every quarter lease and calls {@code onLost} once,
     * from the watchdog, when it runs out locally. Called again, it only replaces {@code onLost}.
     */
    @Override
    public void keep(java.util.function.Consumer<String> onLost) {
        synchronized (lock) {
            this.onLost = onLost;
            if (kept) {
                return; // a standby that took over hands its lease to the primary it becomes
            }
            kept = true;
        }
        Thread.ofPlatform().daemon().name("tern-ft-lease").start(this::renew);
        Thread.ofPlatform().daemon().name("tern-ft-lease-watchdog").start(this::watch);
    }

    private void renew() {
        long period = Math.max(1, leaseNanos / 4);
        while (true) {
            synchronized (lock) {
                if (closed || lost) {
                    return;
                }
            }
            try {
                request(new long[1]); // a denial leaves the validity to run out
            } catch (IOException e) {
                // unreachable: the watchdog decides when that costs the lease
            }
            try {
                TimeUnit.NANOSECONDS.sleep(period); // the renewal period, not synchronisation
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void watch() {
        String why;
        java.util.function.Consumer<String> told;
        synchronized (lock) {
            try {
                while (true) {
                    if (closed) {
                        return;
                    }
                    long now = System.nanoTime();
                    if (now - validUntil >= 0) {
                        lost = true;
                        lostWhy = "not renewed at the witness " + address + " for "
                                + TimeUnit.NANOSECONDS.toMillis(now - lastGrantSentAt) + " ms";
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
        told.accept(why);
    }

    /**
     * Waits until a renewal sent after {@code sinceNanos} was granted — then no standby can hold
     * the lease until this side stops renewing — or the lease is lost (false).
     */
    @Override
    public boolean confirmedAfter(long sinceNanos) throws InterruptedException {
        synchronized (lock) {
            while (!lost && !closed && lastGrantSentAt - sinceNanos <= 0) {
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

    /**
     * The standby's acquisition before it takes over: granted at once when the primary's lease ran
     * out; when it still runs, waits for its end and asks again — a primary that renewed meanwhile
     * is alive, and the standby must not run. Gives up when the witness stays unreachable for two
     * leases.
     */
    @Override
    public Acquired acquire() throws InterruptedException {
        long unreachableSince = -1;
        int denials = 0;
        while (true) {
            long[] remaining = {0};
            long attempt = System.nanoTime();
            try {
                if (request(remaining)) {
                    return Acquired.GRANTED;
                }
                if (remaining[0] == ENDED) {
                    return Acquired.GUEST_ENDED;
                }
                unreachableSince = -1;
                if (++denials > 1) {
                    return Acquired.HELD_BY_A_LIVE_PRIMARY; // renewed twice while this side waited
                }
                TimeUnit.MILLISECONDS.sleep(remaining[0]); // until the primary's lease would run out
            } catch (IOException e) {
                // counted from the first failed attempt's start: each attempt takes at most half a lease
                unreachableSince = unreachableSince < 0 ? attempt : unreachableSince;
                if (System.nanoTime() - unreachableSince > 2 * leaseNanos) {
                    return Acquired.UNREACHABLE;
                }
                TimeUnit.MILLISECONDS.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(leaseNanos / 8))); // retry pace
            }
        }
    }

    /** Tells the witness the guest ended under this lease (no standby may take over), and closes. */
    @Override
    public void end() {
        giveBack(FtMessage.LEASE_END);
    }

    /** Gives the lease back (a planned switch-over: the standby takes it) and closes. */
    @Override
    public void release() {
        giveBack(FtMessage.LEASE_RELEASE);
    }

    private void giveBack(FtMessage how) {
        synchronized (io) {
            FtWire w;
            synchronized (lock) {
                w = wire;
                if (w != null && !closed) {
                    begin(System.nanoTime());
                    exchanging = w;
                }
            }
            if (w != null) {
                try {
                    w.sendLong(how, id);
                    w.receive();
                } catch (IOException | RuntimeException ignored) {
                    // it runs out on its own
                }
            }
            // still holding io: a renewal queued behind LEASE_END must find the lease closed, not
            // send a primary's LEASE_REQUEST, which the witness takes for a new run (clearing "ended")
            close();
        }
    }

    @Override
    public void close() {
        FtWire w;
        synchronized (lock) {
            closed = true;
            w = wire;
            wire = null;
            lock.notifyAll();
        }
        if (w != null) {
            w.close();
        }
    }
}
