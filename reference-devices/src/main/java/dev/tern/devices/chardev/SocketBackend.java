package dev.tern.devices.chardev;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * A TCP server on a loopback address serving one client at a time: what the client sends is host
 * input; guest output goes to the connected client and is discarded while none is connected (the
 * guest never waits for a client). A new client is accepted when the previous one disconnects.
 *
 * <p>This is a console to watch, not a record to keep, as QEMU's {@code server=on,wait=off} socket
 * chardev is: a client that goes away — between two writes (its end of file) or under one
 * (EPIPE, a reset) — is a disconnect, and output is discarded until the next client connects. TCP
 * cannot tell which bytes a closing peer read, so no write here could promise delivery anyway; so
 * this backend never reports a {@link #failure()}, and it counts what it discarded
 * ({@link #discardedBytes()}). Output that must not be lost goes to a file.
 *
 * <p>A write never waits for the client (it runs on a vCPU): output queues for a thread that sends
 * it, up to {@value #OUTBOX_BYTES} bytes; a client that reads slower than the guest writes (or not
 * at all) has the output beyond that discarded and counted, where a blocking send would have
 * stopped the guest until the client read.
 */
public final class SocketBackend implements CharBackend {

    /** Output queued for the current client at most; more is discarded. */
    static final int OUTBOX_BYTES = 64 << 10;

    private final ServerSocket server;
    private final Object clientLock = new Object();
    // guarded by clientLock
    private Socket client;
    /** Output waiting to be sent to {@link #client}; null while none is connected. */
    private java.util.ArrayDeque<byte[]> outbox;
    private int outboxBytes;
    private Thread acceptor;
    private volatile boolean closed;
    private long discarded;

    /**
     * Binds {@code host:port} ({@code port} 0 picks a free port).
     *
     * @throws IllegalArgumentException when {@code host} is not a loopback address
     * @throws UncheckedIOException naming the address that cannot be bound
     */
    public SocketBackend(String host, int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("socket backend port " + port + " is not 0..65535");
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("socket backend host '" + host + "' is not a loopback address;"
                        + " a serial console must not be reachable from the network");
            }
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, port), 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The bound port. */
    public int localPort() {
        return server.getLocalPort();
    }

    @Override
    public synchronized void setReceiver(Consumer<byte[]> receiver) {
        if (acceptor != null) {
            throw new IllegalStateException("socket backend already has a receiver");
        }
        acceptor = Thread.ofPlatform().daemon().name("serial-socket " + localPort()).start(() -> serve(receiver));
    }

    private void serve(Consumer<byte[]> receiver) {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread sender = null;
            try (s) {
                OutputStream out = s.getOutputStream();
                synchronized (clientLock) {
                    client = s;
                    outbox = new java.util.ArrayDeque<>();
                    outboxBytes = 0;
                }
                sender = Thread.ofPlatform().daemon().name("serial-socket-out " + localPort()).start(() -> send(s, out));
                byte[] buf = new byte[4096];
                int n;
                var in = s.getInputStream();
                while ((n = in.read(buf)) > 0) {
                    receiver.accept(java.util.Arrays.copyOf(buf, n));
                }
            } catch (IOException e) {
                // The client went away; wait for the next one.
            } finally {
                synchronized (clientLock) {
                    client = null;
                    outbox = null;
                    discarded += outboxBytes; // queued, never sent
                    outboxBytes = 0;
                    clientLock.notifyAll();
                }
                if (sender != null) {
                    sender.interrupt();
                }
            }
        }
    }

    /**
     * Sends the current client's queued output until it goes away: all that is queued in one write,
     * since a UART's output comes a byte at a time. Bytes taken out for a write still count in
     * {@link #outboxBytes} until it returns, so a client gone under the write counts them discarded.
     */
    private void send(Socket s, OutputStream out) {
        try {
            while (true) {
                byte[] next;
                synchronized (clientLock) {
                    while (client == s && outbox.isEmpty()) {
                        clientLock.wait();
                    }
                    if (client != s) {
                        return;
                    }
                    next = drainOutbox();
                }
                out.write(next);
                out.flush();
                synchronized (clientLock) {
                    if (client == s) {
                        outboxBytes -= next.length;
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away under a write: a disconnect, like its end of file
            try {
                s.close(); // ends the reader, which clears this client
            } catch (IOException ignored) {
                // already broken
            }
        }
    }

    /** Whether a client is connected now. */
    public boolean connected() {
        synchronized (clientLock) {
            return client != null;
        }
    }

    /** The queued output as one array, the queue emptied; the caller holds {@link #clientLock}. */
    private byte[] drainOutbox() {
        if (outbox.size() == 1) {
            return outbox.poll();
        }
        var all = new java.io.ByteArrayOutputStream();
        for (byte[] b = outbox.poll(); b != null; b = outbox.poll()) {
            all.writeBytes(b);
        }
        return all.toByteArray();
    }

    @Override
    public void write(byte[] data, int off, int len) {
        synchronized (clientLock) {
            if (outbox == null || outboxBytes + len > OUTBOX_BYTES) {
                discarded += len; // no client, or one that does not keep up
                return;
            }
            outbox.add(java.util.Arrays.copyOfRange(data, off, off + len));
            outboxBytes += len;
            clientLock.notifyAll();
        }
    }

    /**
     * Output bytes discarded: written while no client was connected, beyond what a slow client's
     * queue holds, or queued for a client that went away before they were sent.
     */
    public long discardedBytes() {
        synchronized (clientLock) {
            return discarded;
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            synchronized (clientLock) {
                if (client != null) {
                    client.close();
                }
            }
        } catch (IOException e) {
            // Closing is best effort.
        }
        Thread a;
        synchronized (this) {
            a = acceptor;
        }
        if (a != null) {
            try {
                a.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
