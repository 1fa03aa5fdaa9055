package dev.tern.transport.tls;

import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.RefusedConnectionException;
import dev.tern.transport.channel.StreamConnection;
import dev.tern.transport.channel.StreamListener;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Accepts TCP connections and handshakes each on a thread of its own as soon as it arrives, not
 * when {@link #accept()} is called: a client may write before its server accepts (as on plain TCP,
 * where the kernel has already accepted it), and its write cannot complete before the handshake.
 * Finished connections, or the reason a handshake failed, queue up for {@link #accept()} in
 * arrival order; a failed handshake makes that {@code accept} throw it as a
 * {@link RefusedConnectionException} (the listener goes on).
 *
 * <p>Bounded against floods: at most {@value #MAX_HANDSHAKES} handshakes run at once and at most
 * {@value #MAX_QUEUED} results wait; beyond that the listener stops taking connections from the
 * kernel until {@code accept} catches up. A handshake that stalls fails after the idle timeout.
 */
public final class TlsListener implements Listener {

    static final int MAX_HANDSHAKES = 16;
    static final int MAX_QUEUED = 64;

    /** What accept hands out: a connection or a failure; {@link Closed} ends the queue. */
    private sealed interface Arrival permits Admitted, Refused, Closed { }

    private record Admitted(TlsConnection connection) implements Arrival { }

    private record Refused(IOException failure) implements Arrival { }

    private record Closed() implements Arrival { }

    private final StreamListener tcp;
    private final TlsCredentials credentials;
    private final String address;
    private final BlockingQueue<Arrival> arrivals = new ArrayBlockingQueue<>(MAX_QUEUED + MAX_HANDSHAKES + 1);
    private final Semaphore slots = new Semaphore(MAX_HANDSHAKES + MAX_QUEUED);
    private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;

    TlsListener(StreamListener tcp, TlsCredentials credentials) {
        this.tcp = tcp;
        this.credentials = credentials;
        this.address = tcp.address();
        this.acceptor = Thread.ofVirtual().name("tls-accept " + address).start(this::acceptLoop);
    }

    @Override
    public TlsConnection accept() throws IOException {
        if (closed.get()) {
            throw new ClosedChannelException();
        }
        Arrival next;
        try {
            next = arrivals.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while accepting on " + address);
        }
        return switch (next) {
            case Admitted a -> {
                slots.release();
                yield a.connection();
            }
            case Refused r -> {
                slots.release();
                throw r.failure() instanceof RefusedConnectionException refused ? refused
                        : new IOException(r.failure().getMessage(), r.failure());
            }
            case Closed c -> {
                arrivals.offer(c); // for any other thread waiting in accept
                throw new AsynchronousCloseException();
            }
        };
    }

    @Override
    public String address() {
        return address;
    }

    /** Idempotent. Connections already accepted stay open; those not yet accepted are closed. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            tcp.close();
        } finally {
            Arrival a;
            while ((a = arrivals.poll()) != null) {
                if (a instanceof Admitted admitted) {
                    admitted.connection().close();
                }
            }
            arrivals.offer(new Closed());
        }
    }

    @Override
    public String toString() {
        return "TlsListener[" + address + "]";
    }

    private void acceptLoop() {
        try {
            while (!closed.get()) {
                slots.acquire();
                StreamConnection raw;
                try {
                    raw = tcp.accept();
                } catch (IOException e) {
                    slots.release();
                    if (!closed.get()) {
                        arrive(new Refused(new IOException(address + ": accept failed: " + e.getMessage(), e)));
                    }
                    return;
                }
                handshakes.acquire();
                Thread.ofVirtual().name("tls-handshake " + raw.peer()).start(() -> handshake(raw));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handshake(StreamConnection raw) {
        try {
            arrive(new Admitted(TlsConnection.serve(raw, credentials.engine(false))));
        } catch (IOException e) {
            arrive(new Refused(new RefusedConnectionException(e.getMessage(), e)));
        } catch (RuntimeException e) {
            arrive(new Refused(new RefusedConnectionException(raw.peer() + ": tls handshake failed: " + e, e)));
        } finally {
            handshakes.release();
        }
    }

    private void arrive(Arrival a) {
        if (closed.get()) {
            if (a instanceof Admitted admitted) {
                try {
                    admitted.connection().close();
                } catch (IOException ignored) {
                    // closing a connection nobody will accept
                }
            }
            return;
        }
        arrivals.offer(a);
    }
}
