package dev.tern.transport.shm;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * What arrived from the peer and has not been consumed yet, plus the rule of who reads the
 * socket. Several threads may wait for different things (stream bytes, a registration answer);
 * exactly one of them at a time "pumps": it reads and handles one message while the others wait,
 * then they all look again. A failure while pumping (protocol violation, dead peer) is kept and
 * reported to every later waiter, because the frame boundaries are lost with it.
 */
final class Inbox {

    /** Reads and handles one message from the peer. */
    @FunctionalInterface
    interface Pump {
        void pumpOne() throws IOException;
    }

    private final ArrayDeque<ByteBuffer> data = new ArrayDeque<>();
    private ControlMessage answer;
    private boolean peerDone;
    private boolean pumping;
    private boolean closed;
    private IOException failure;

    /** Queues stream bytes. */
    synchronized void addData(ByteBuffer bytes) {
        data.add(bytes);
    }

    /** Delivers a registration answer; false when none was expected. */
    synchronized boolean deliverAnswer(ControlMessage message, boolean expected) {
        if (!expected || answer != null) {
            return false;
        }
        answer = message;
        return true;
    }

    /** The peer completed: nothing follows. */
    synchronized void peerDone() {
        peerDone = true;
    }

    synchronized boolean isPeerDone() {
        return peerDone;
    }

    /** Wakes every waiter for good. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** Moves queued stream bytes into {@code dst}; -1 at end of stream. Waits and pumps as needed. */
    int read(ByteBuffer dst, Pump pump) throws IOException {
        return await(() -> {
            ByteBuffer head = data.peek();
            if (head != null) {
                int n = Math.min(head.remaining(), dst.remaining());
                dst.put(dst.position(), head, head.position(), n);
                dst.position(dst.position() + n);
                head.position(head.position() + n);
                if (!head.hasRemaining()) {
                    data.poll();
                }
                return n;
            }
            return peerDone ? -1 : null;
        }, pump);
    }

    /** Clears any old answer before a registration is sent. */
    synchronized void expectAnswer() {
        answer = null;
    }

    /** Waits for the registration answer; a peer that completes first yields an error answer. */
    ControlMessage awaitAnswer(Pump pump) throws IOException {
        return await(() -> {
            if (answer != null) {
                ControlMessage a = answer;
                answer = null;
                return a;
            }
            return peerDone ? new ControlMessage.RegisterError("the peer completed its stream without answering") : null;
        }, pump);
    }

    private <T> T await(Supplier<T> ready, Pump pump) throws IOException {
        while (true) {
            synchronized (this) {
                while (true) {
                    if (closed) {
                        throw new AsynchronousCloseException();
                    }
                    T result = ready.get();
                    if (result != null) {
                        return result;
                    }
                    if (failure != null) {
                        throw new IOException(failure.getMessage(), failure);
                    }
                    if (!pumping) {
                        pumping = true;
                        break;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the shm peer");
                    }
                }
            }
            try {
                pump.pumpOne();
            } catch (IOException e) {
                synchronized (this) {
                    if (failure == null && !closed) {
                        failure = e;
                    }
                }
                throw e;
            } finally {
                synchronized (this) {
                    pumping = false;
                    notifyAll();
                }
            }
        }
    }
}
