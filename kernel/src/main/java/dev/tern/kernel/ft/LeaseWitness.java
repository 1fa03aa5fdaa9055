package dev.tern.kernel.ft;

import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.RefusedConnectionException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The witness of a fault-tolerant pair ({@code tern witness}): it holds one lease, and whoever
 * holds it may run the guest. A primary renews it while it runs; a standby asks for it before it
 * takes over and gets it only once the primary's lease ran out unrenewed. So of two sides cut
 * apart, only the one that still reaches the witness runs — and a primary that cannot reach the
 * witness stops its guest before its lease runs out here ({@link WitnessLease}).
 *
 * <p>Each client authenticates as on the FT wire (WELCOME, then AUTH both ways with the roles
 * {@code "lease-client"} and {@code "witness"}), then sends LEASE_REQUEST and LEASE_RELEASE
 * messages, each answered. At most {@value #MAX_CLIENTS} clients at once.
 */
public final class LeaseWitness implements AutoCloseable {

    static final int MAX_CLIENTS = 16;

    private final byte[] secret;
    private final PrintStream log;
    private final LongSupplier clock;
    private final Semaphore slots = new Semaphore(MAX_CLIENTS);
    private final Listener listener;
    // guarded by this
    private long holder;
    private long expiresAt;
    private long grants;
    /** The primary whose guest ended under its lease (0: none): standbys are refused from then on. */
    private long endedBy;

    /** Listens on {@code uri}; {@code clock} gives nanoseconds (monotonic). */
    public LeaseWitness(String uri, byte[] secret, PluginRegistry plugins, PrintStream log, LongSupplier clock)
            throws IOException {
        this.secret = secret.clone();
        this.log = log;
        this.clock = clock;
        this.listener = MigrationUri.parse(uri).listen(plugins);
    }

    /** Where it listens. */
    public String address() {
        return listener.address();
    }

    /** Serves clients until {@link #close()}; each on a thread of its own. */
    public void serve() throws IOException {
        log.println("ft witness: listening on " + listener.address());
        log.flush();
        while (true) {
            Connection c;
            try {
                c = listener.accept();
            } catch (RefusedConnectionException e) {
                log.println("ft witness: refused a connection: " + e.getMessage());
                log.flush();
                continue; // a stray or untrusted peer; the clients may still come
            } catch (IOException e) {
                return; // closed
            }
            if (!slots.tryAcquire()) {
                c.close();
                continue;
            }
            Thread.ofPlatform().daemon().name("tern-witness-client").start(() -> {
                try {
                    client(new FtWire(c));
                } finally {
                    slots.release();
                }
            });
        }
    }

    private void client(FtWire w) {
        try (w) {
            FtHandshake.witness(w, secret);
            while (true) {
                FtWire.Message m = w.receive();
                switch (m.kind()) {
                    case LEASE_REQUEST -> answer(w, FtWire.exactly(m, 17));
                    case LEASE_RELEASE -> {
                        release(FtWire.exactly(m, 8).getLong(), false);
                        w.send(FtMessage.LEASE_GRANTED, ByteBuffer.allocate(8).putLong(0).flip());
                    }
                    case LEASE_END -> {
                        release(FtWire.exactly(m, 8).getLong(), true);
                        w.send(FtMessage.LEASE_GRANTED, ByteBuffer.allocate(8).putLong(0).flip());
                    }
                    case HEARTBEAT -> FtWire.exactly(m, 0);
                    default -> throw new IOException("ft witness: unexpected " + m.kind() + " from a client");
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away or misbehaved: its lease runs out on its own
        }
    }

    private void answer(FtWire w, ByteBuffer req) throws IOException {
        long id = req.getLong();
        long millis = req.getLong();
        int role = req.get();
        if (id == 0 || millis < FtConfig.MIN.toMillis() || millis > FtConfig.MAX.toMillis() || (role != 0 && role != 1)) {
            throw new IOException("ft witness: LEASE_REQUEST with holder " + id + ", " + millis + " ms, role " + role);
        }
        long now = clock.getAsLong();
        long remaining;
        long current;
        boolean granted;
        long ended;
        synchronized (this) {
            ended = endedBy;
            if (ended != 0 && role == 1) {
                granted = false; // the guest ended at its primary: a standby must not bring it back
            } else {
                if (role == 0) {
                    endedBy = 0; // a primary starting a new run
                }
                granted = holder == 0 || holder == id || now - expiresAt >= 0;
            }
            if (granted) {
                if (holder != id) {
                    grants++;
                    log.printf("ft witness: lease %d granted to %s %016x for %d ms%n", grants, role == 0 ? "primary"
                            : "standby", id, millis);
                    log.flush();
                }
                holder = id;
                expiresAt = now + TimeUnit.MILLISECONDS.toNanos(millis);
            }
            current = holder;
            remaining = TimeUnit.NANOSECONDS.toMillis(expiresAt - now) + 1;
        }
        if (ended != 0 && role == 1) {
            w.send(FtMessage.LEASE_ENDED, ByteBuffer.allocate(8).putLong(ended).flip());
        } else if (granted) {
            w.send(FtMessage.LEASE_GRANTED, ByteBuffer.allocate(8).putLong(millis).flip());
        } else {
            w.send(FtMessage.LEASE_DENIED, ByteBuffer.allocate(16).putLong(current).putLong(remaining).flip());
        }
    }

    private synchronized void release(long id, boolean guestEnded) {
        if (holder == id) {
            holder = 0;
            if (guestEnded) {
                endedBy = id;
            }
            log.printf(guestEnded ? "ft witness: lease ended by %016x (its guest ended; no standby may take over)%n"
                    : "ft witness: lease released by %016x%n", id);
            log.flush();
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
