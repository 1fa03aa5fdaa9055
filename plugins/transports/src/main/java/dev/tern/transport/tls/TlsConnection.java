package dev.tern.transport.tls;

import dev.tern.spi.transport.Connection;
import dev.tern.transport.channel.StreamConnection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * A TLS 1.3 stream over a {@link StreamConnection}, which supplies the idle timeout, the dead-peer
 * detection and the release of blocked threads on close; this class adds the {@link SSLEngine}.
 *
 * <p>Both ends handshake in the background from the moment the TCP connection exists (a
 * listener's connection before {@link TlsListener#accept()} hands it out); the first read or
 * write waits for it and fails with its reason. After its handshake the listener sends one
 * application byte, {@value #ADMITTED}, as its verdict: in TLS 1.3 a client finishes its
 * handshake before the server has checked the client's certificate, and without the verdict a
 * refused client that only writes (a migration source) would see a reset socket much later
 * instead of the server's alert. Reading the verdict also consumes the session tickets the server
 * sends after the handshake, which a client that never reads would otherwise leave unread, and a
 * socket closed with unread input is reset, destroying data still in flight.
 *
 * <p>One thread may read while another writes. Closing sends {@code close_notify} when the
 * output is idle and healthy; an end of the TCP stream without it is reported as a truncation, not
 * as an end of stream, because an attacker (or a crash) can cut a TCP stream but not forge the
 * alert.
 */
public final class TlsConnection implements Connection {

    /** The listener's admission byte. */
    static final int ADMITTED = 0x01;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Records batched into one socket write, and received by one socket read. */
    private static final int RECORDS_PER_WRITE = 4;

    private final StreamConnection net;
    private final SSLEngine engine;
    private final Object readLock = new Object();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object handshakeLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Received ciphertext not yet unwrapped; kept flipped (readable) between calls. Guarded by readLock. */
    private ByteBuffer netIn;
    /** Plaintext not yet handed to a reader; kept flipped. Guarded by readLock. */
    private ByteBuffer appIn;
    /** Guarded by writeLock. */
    private final ByteBuffer netOut;
    private boolean inputEnded;

    private volatile boolean handshaken;
    private volatile IOException handshakeFailure;
    /** A write failed: the stream's framing is lost, so close sends nothing more. */
    private volatile boolean broken;

    private TlsConnection(StreamConnection net, SSLEngine engine) {
        this.net = net;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        // Room for several records: one socket read then feeds several unwraps.
        this.netIn = ByteBuffer.allocate(packet * RECORDS_PER_WRITE).flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
        this.netOut = ByteBuffer.allocate(packet * RECORDS_PER_WRITE);
    }

    /**
     * A client connection whose handshake starts at once on a thread of its own; reads and writes
     * wait for it. It cannot run inside {@code connect}: the listener may be accepted only after
     * this end's first write (as the kernel accepts TCP connections before the application does).
     */
    static TlsConnection client(StreamConnection net, SSLEngine engine) {
        TlsConnection c = new TlsConnection(net, engine);
        Thread.ofVirtual().name("tls-handshake " + net.peer()).start(() -> {
            try {
                c.ensureHandshaken();
            } catch (IOException e) {
                // kept in handshakeFailure for the first read or write
            }
        });
        return c;
    }

    /**
     * Handshakes as the server and admits the client; on failure the socket is closed and the
     * exception names the reason.
     */
    static TlsConnection serve(StreamConnection net, SSLEngine engine) throws IOException {
        TlsConnection c = new TlsConnection(net, engine);
        try {
            c.handshake();
            c.handshaken = true;
            c.write(ByteBuffer.wrap(new byte[] {ADMITTED}));
            return c;
        } catch (IOException | RuntimeException e) {
            c.net.close();
            throw e;
        }
    }

    @Override
    public String peer() {
        return net.peer();
    }

    /** The protocol and cipher suite agreed, for diagnostics, e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384}. */
    public String cipher() throws IOException {
        ensureHandshaken();
        return engine.getSession().getProtocol() + " " + engine.getSession().getCipherSuite();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        ensureHandshaken();
        if (!dst.hasRemaining()) {
            return 0;
        }
        synchronized (readLock) {
            while (!appIn.hasRemaining()) {
                if (inputEnded) {
                    return -1;
                }
                unwrapRecord();
            }
            int n = Math.min(appIn.remaining(), dst.remaining());
            ByteBuffer slice = appIn.slice(appIn.position(), n);
            dst.put(slice);
            appIn.position(appIn.position() + n);
            return n;
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        ensureHandshaken();
        writeLock.lock();
        try {
            int total = 0;
            while (src.hasRemaining()) {
                netOut.clear();
                int packet = engine.getSession().getPacketBufferSize();
                while (src.hasRemaining() && netOut.remaining() >= packet) {
                    SSLEngineResult r = wrap(src);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new IOException(peer() + ": output is shut down");
                    }
                    total += r.bytesConsumed();
                    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                        break;
                    }
                }
                send();
            }
            return total;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Ends this side's output with {@code close_notify} and a TCP half-close: the peer reads end of
     * stream after everything sent, while this side can still read (TLS 1.3 allows half-closed
     * connections).
     */
    public void shutdownOutput() throws IOException {
        ensureOpen();
        ensureHandshaken();
        writeLock.lock();
        try {
            sendCloseNotify();
            net.shutdownOutput();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Idempotent. Sends {@code close_notify} if nothing else is being written and the connection is
     * healthy, then closes the socket, which releases threads blocked in a read or write.
     */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (handshaken && handshakeFailure == null && !broken && writeLock.tryLock()) {
            try {
                sendCloseNotify();
            } catch (IOException e) {
                // the peer is gone; closing the socket is all that is left
            } finally {
                writeLock.unlock();
            }
        }
        net.close();
    }

    @Override
    public String toString() {
        return "TlsConnection[" + peer() + "]";
    }

    private void ensureHandshaken() throws IOException {
        if (handshaken) {
            rethrowHandshakeFailure();
            return;
        }
        synchronized (handshakeLock) {
            if (!handshaken) {
                try {
                    handshake();
                    awaitAdmission();
                } catch (IOException e) {
                    handshakeFailure = e;
                } finally {
                    handshaken = true;
                }
            }
        }
        rethrowHandshakeFailure();
    }

    private void rethrowHandshakeFailure() throws IOException {
        IOException failure = handshakeFailure;
        if (failure != null) {
            if (closed.get()) {
                throw new ClosedChannelException();
            }
            throw new IOException(failure.getMessage(), failure);
        }
    }

    /** Runs the TLS handshake to completion on the calling thread. */
    private void handshake() throws IOException {
        try {
            engine.beginHandshake();
            HandshakeStatus status = engine.getHandshakeStatus();
            while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
                status = switch (status) {
                    case NEED_WRAP -> {
                        netOut.clear();
                        SSLEngineResult r = wrap(EMPTY);
                        send();
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            throw new SSLHandshakeException("the handshake was closed");
                        }
                        yield r.getHandshakeStatus();
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        unwrapRecord();
                        if (inputEnded) {
                            throw new SSLHandshakeException("the peer closed the connection during the handshake");
                        }
                        yield engine.getHandshakeStatus();
                    }
                    case NEED_TASK -> {
                        runTasks();
                        yield engine.getHandshakeStatus();
                    }
                    default -> throw new IllegalStateException("handshake status " + status);
                };
            }
        } catch (SSLException e) {
            sendPendingAlert();
            throw TlsRefusal.describe(e, engine.getUseClientMode(), peer());
        } catch (IOException e) {
            throw new IOException("tls handshake with " + peer() + " failed: " + e.getMessage(), e);
        }
    }

    /** Reads the listener's verdict (see the class comment). */
    private void awaitAdmission() throws IOException {
        ByteBuffer verdict = ByteBuffer.allocate(1);
        int n;
        try {
            synchronized (readLock) {
                while (!appIn.hasRemaining() && !inputEnded) {
                    unwrapRecord();
                }
                n = appIn.hasRemaining() ? 1 : -1;
                if (n > 0) {
                    verdict.put(appIn.get());
                }
            }
        } catch (SSLException e) {
            throw TlsRefusal.describe(e, true, peer());
        }
        if (n < 0 || verdict.get(0) != ADMITTED) {
            throw new IOException("tls handshake with " + peer() + " failed: the listener did not admit this end"
                    + (n < 0 ? " (it closed the connection)" : " (it sent " + verdict.get(0) + ")"));
        }
    }

    /** Unwraps one record into {@link #appIn} (which must be empty), reading from the socket as needed. */
    private void unwrapRecord() throws IOException {
        while (true) {
            appIn.clear();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK -> {
                    afterUnwrap(r.getHandshakeStatus());
                    return;
                }
                case CLOSED -> {
                    inputEnded = true;
                    return;
                }
                case BUFFER_UNDERFLOW -> receive();
                case BUFFER_OVERFLOW -> appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
            }
            if (inputEnded) {
                return;
            }
        }
    }

    /** Post-handshake messages: a key update the peer asked for is answered at once. */
    private void afterUnwrap(HandshakeStatus status) throws IOException {
        if (status == HandshakeStatus.NEED_TASK) {
            runTasks();
            status = engine.getHandshakeStatus();
        }
        if (status == HandshakeStatus.NEED_WRAP && handshaken) {
            writeLock.lock();
            try {
                netOut.clear();
                wrap(EMPTY);
                send();
            } finally {
                writeLock.unlock();
            }
        }
    }

    /** Reads more ciphertext; a TCP end of stream without close_notify is a truncation. */
    private void receive() throws IOException {
        if (netIn.position() == 0 && netIn.limit() == netIn.capacity()) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(netIn.capacity() * 2,
                    engine.getSession().getPacketBufferSize()));
            larger.put(netIn).flip();
            netIn = larger;
        }
        netIn.compact();
        int n;
        try {
            n = net.read(netIn);
        } finally {
            netIn.flip();
        }
        if (n < 0) {
            if (!handshaken && !engine.isInboundDone()) {
                throw new IOException("the peer closed the connection during the handshake"
                        + " (a plain TCP peer, or it refused this end)");
            }
            throw new IOException(peer() + ": the connection ended without TLS close_notify"
                    + " (the peer died or the stream was cut)");
        }
    }

    private SSLEngineResult wrap(ByteBuffer src) throws IOException {
        SSLEngineResult r = engine.wrap(src, netOut);
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        return r;
    }

    /** Writes {@link #netOut} (filled) fully. */
    private void send() throws IOException {
        netOut.flip();
        try {
            while (netOut.hasRemaining()) {
                net.write(netOut);
            }
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    private void sendCloseNotify() throws IOException {
        engine.closeOutbound();
        while (!engine.isOutboundDone()) {
            netOut.clear();
            SSLEngineResult r = wrap(EMPTY);
            send();
            if (r.bytesProduced() == 0) {
                break;
            }
        }
    }

    /** After a failed handshake the engine holds an alert telling the peer why; best effort. */
    private void sendPendingAlert() {
        if (!writeLock.tryLock()) {
            return;
        }
        try {
            for (int i = 0; i < 4 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
                netOut.clear();
                SSLEngineResult r = engine.wrap(EMPTY, netOut);
                send();
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // the peer learns nothing more; this end's exception says why
        } finally {
            writeLock.unlock();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed.get()) {
            throw new ClosedChannelException();
        }
    }
}
