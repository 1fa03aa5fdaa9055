package dev.tern.transport.channel;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A blocking byte stream over a stream socket (TCP or Unix domain) that never blocks forever: a
 * read that receives nothing, or a write that cannot make progress, for the idle timeout fails
 * with a {@link SocketTimeoutException} naming the peer and the timeout. That is how a dead host or
 * a half-open connection (no FIN, no RST ever arrives) is noticed.
 *
 * <p>The socket is non-blocking underneath and waits happen in a {@link Selector}; reads and writes
 * have separate selectors so that one thread may read while another writes (a migration source
 * reads the return path while it streams pages). Concurrent readers are serialised, as are
 * concurrent writers. A write returns only when the whole buffer has been handed to the kernel.
 */
public final class StreamConnection implements Connection {

    private final SocketChannel channel;
    private final String peer;
    private final IdleTimeout timeout;
    private final Selector readSelector;
    private final Selector writeSelector;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    private StreamConnection(SocketChannel channel, String peer, IdleTimeout timeout,
                             Selector readSelector, Selector writeSelector) {
        this.channel = channel;
        this.peer = peer;
        this.timeout = timeout;
        this.readSelector = readSelector;
        this.writeSelector = writeSelector;
    }

    /**
     * Wraps a connected channel; the channel is switched to non-blocking mode and owned from now on
     * (closed with this connection, also when wrapping fails).
     */
    public static StreamConnection over(SocketChannel channel, String peer, IdleTimeout timeout) throws IOException {
        Selector reads = null;
        Selector writes = null;
        try {
            channel.configureBlocking(false);
            reads = Selector.open();
            writes = Selector.open();
            channel.register(reads, SelectionKey.OP_READ);
            channel.register(writes, SelectionKey.OP_WRITE);
            return new StreamConnection(channel, peer, timeout, reads, writes);
        } catch (IOException | RuntimeException e) {
            closeQuietly(reads, e);
            closeQuietly(writes, e);
            closeQuietly(channel, e);
            throw e;
        }
    }

    @Override
    public String peer() {
        return peer;
    }

    /** The idle timeout in force. */
    public IdleTimeout timeout() {
        return timeout;
    }

    /** The current value of a socket option, for diagnostics and tests. */
    public <T> T option(SocketOption<T> name) throws IOException {
        ensureOpen();
        return channel.getOption(name);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!dst.hasRemaining()) {
            return 0;
        }
        synchronized (readLock) {
            while (true) {
                int n;
                try {
                    n = channel.read(dst); // not through io(): see write
                } catch (IOException e) {
                    throw failure(e);
                }
                if (n != 0) {
                    return n;
                }
                await(readSelector, "received nothing from");
            }
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        synchronized (writeLock) {
            int total = 0;
            while (src.hasRemaining()) {
                int n;
                try {
                    // Not through io() with a lambda: its call site is linked (a class spun) on its
                    // first use, and a migration destination's first write is its READY, in the pause.
                    n = channel.write(src);
                } catch (IOException e) {
                    throw failure(e);
                }
                if (n == 0) {
                    await(writeSelector, "could not send anything to");
                }
                total += n;
            }
            return total;
        }
    }

    /**
     * Ends this side's output: the peer reads end of stream once it has read everything sent, while
     * this side can still read what the peer sends back.
     */
    public void shutdownOutput() throws IOException {
        ensureOpen();
        synchronized (writeLock) {
            io(() -> {
                channel.shutdownOutput();
                return 0;
            });
        }
    }

    /**
     * Reads and throws away whatever has already arrived, without waiting; returns the byte count.
     * A TCP socket closed with unread input resets the connection, and the reset can destroy data
     * the peer has not read yet; a protocol that ignores the last messages of its peer drains them
     * before closing.
     */
    public long discardReceived(long limit) throws IOException {
        ensureOpen();
        ByteBuffer sink = ByteBuffer.allocate(8192);
        long total = 0;
        synchronized (readLock) {
            while (total < limit) {
                sink.clear();
                int n = io(() -> channel.read(sink));
                if (n <= 0) {
                    break;
                }
                total += n;
            }
        }
        return total;
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /** Idempotent; a thread blocked in a read or write on this connection fails with {@link AsynchronousCloseException}. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        IOException failure = null;
        try {
            channel.close();
        } catch (IOException e) {
            failure = e;
        }
        readSelector.wakeup();
        writeSelector.wakeup();
        try {
            readSelector.close();
            writeSelector.close();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        if (failure != null) {
            throw new IOException(peer + ": close failed: " + failure.getMessage(), failure);
        }
    }

    @Override
    public String toString() {
        return "StreamConnection[" + peer + "]";
    }

    private void await(Selector selector, String what) throws IOException {
        long allowed = timeout.duration().toNanos();
        long start = System.nanoTime();
        try {
            while (true) {
                ensureOpenAsync();
                int ready;
                if (timeout.isNone()) {
                    ready = selector.select();
                } else {
                    long remaining = allowed - (System.nanoTime() - start);
                    if (remaining <= 0) {
                        throw new SocketTimeoutException(what + " " + peer + " for " + timeout
                                + " (idle timeout): peer dead, stalled or connection half-open");
                    }
                    ready = selector.select(timeout.selectMillis(remaining));
                }
                selector.selectedKeys().clear();
                ensureOpenAsync();
                if (ready > 0) {
                    return;
                }
            }
        } catch (ClosedSelectorException e) {
            throw asyncClose(e);
        }
    }

    private <T> T io(IoCall<T> call) throws IOException {
        try {
            return call.run();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    /** What a failed channel call throws: our own close as it is, anything else naming the peer. */
    private IOException failure(IOException e) {
        if (e instanceof ClosedChannelException) {
            return closed.get() ? e : new IOException(peer + ": channel closed: " + e, e);
        }
        return new IOException(peer + ": " + e.getMessage(), e);
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed.get()) {
            throw new ClosedChannelException();
        }
    }

    private void ensureOpenAsync() throws AsynchronousCloseException {
        if (closed.get()) {
            throw new AsynchronousCloseException();
        }
    }

    private static AsynchronousCloseException asyncClose(Throwable cause) {
        AsynchronousCloseException e = new AsynchronousCloseException();
        e.initCause(cause);
        return e;
    }

    private static void closeQuietly(AutoCloseable c, Throwable into) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            into.addSuppressed(e);
        }
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T run() throws IOException;
    }
}
