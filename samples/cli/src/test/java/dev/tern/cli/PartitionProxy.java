package dev.tern.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP relay on loopback between two processes that a test can cut: once {@link #cut()}, every
 * byte either way is dropped and new connections are accepted but lead nowhere — a network
 * partition as the processes see it (no reset, no end of stream: silence). Once {@link #stall()}ed
 * it stops reading altogether, so the senders' socket buffers fill and their writes block, as with
 * a hung peer.
 */
final class PartitionProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean cut;
    /** Open while the relay is stalled; {@link #close()} opens it for good so the pumps can end. */
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile boolean stalled;
    /** Each connection joined to the target, in the order they were accepted: {client, target}. */
    private final List<Socket[]> links = new CopyOnWriteArrayList<>();
    /** Set by {@link #close()}; a socket accepted or opened after it is closed at once (guarded by this). */
    private boolean closed;

    PartitionProxy(String targetUri) throws IOException {
        // tcp:HOST:PORT
        String hp = targetUri.substring("tcp:".length());
        int colon = hp.lastIndexOf(':');
        this.target = new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("partition-proxy").start(this::accept);
    }

    /** The address to give the process that should go through the proxy. */
    String uri() {
        return "tcp:127.0.0.1:" + server.getLocalPort();
    }

    /**
     * Waits until the first connection made to this relay is joined to the target. A test that
     * closes the relay right after a peer connected must wait for this, or the close may come
     * before the relay's own connection to the target: the target would then never see a
     * connection at all, which is a different case (nothing ever reached it).
     */
    void awaitFirstLink() throws InterruptedException {
        awaitLinks(1);
    }

    /** Waits until {@code n} connections made to this relay are joined to the target. */
    synchronized void awaitLinks(int n) throws InterruptedException {
        while (links.size() < n) {
            wait();
        }
    }

    /**
     * Closes both sockets of the {@code index}th connection (0 = the first accepted), each end
     * seeing it end; the other connections go on.
     */
    void closeLink(int index) throws IOException {
        for (Socket s : links.get(index)) {
            s.close();
        }
    }

    /** From now on nothing passes, either way. */
    void cut() {
        cut = true;
    }

    /** From now on the relay reads nothing, either way, until it is closed. */
    void stall() {
        stalled = true;
    }

    private void holdWhileStalled() throws IOException {
        if (!stalled) {
            return;
        }
        try {
            running.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stalled", e);
        }
    }

    private void accept() {
        try {
            while (true) {
                Socket in = server.accept();
                if (!register(in)) {
                    return;
                }
                if (cut) {
                    Thread.ofPlatform().daemon().start(() -> pump(in, null));
                    continue;
                }
                Socket out = new Socket(target.getAddress(), target.getPort());
                if (!register(out)) {
                    return;
                }
                Thread.ofPlatform().daemon().start(() -> pump(in, out));
                Thread.ofPlatform().daemon().start(() -> pump(out, in));
                joined(in, out);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[64 << 10];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to == null ? null : to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                holdWhileStalled(); // what a read just took is held too
                if (!cut && out != null) {
                    out.write(buf, 0, n);
                }
            }
            holdWhileStalled(); // a stalled relay passes on no end of stream either
            if (!cut && to != null) {
                to.shutdownOutput();
            }
        } catch (IOException e) {
            // one side closed
        }
    }

    private synchronized void joined(Socket in, Socket out) {
        links.add(new Socket[] {in, out});
        notifyAll();
    }

    /**
     * Keeps {@code s} to be closed with the relay, or closes it now if the relay is closed already:
     * a connection the accept loop took just as {@link #close()} ran must not slip through.
     */
    private synchronized boolean register(Socket s) throws IOException {
        if (closed) {
            s.close();
            return false;
        }
        sockets.add(s);
        return true;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
        }
        running.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
