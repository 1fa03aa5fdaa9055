package dev.tern.transport.shm;

import dev.tern.spi.transport.RemoteMemoryConnection;
import dev.tern.transport.channel.StreamConnection;
import dev.tern.transport.shm.ControlMessage.ChunksDone;
import dev.tern.transport.shm.ControlMessage.Complete;
import dev.tern.transport.shm.ControlMessage.Data;
import dev.tern.transport.shm.ControlMessage.Hello;
import dev.tern.transport.shm.ControlMessage.Range;
import dev.tern.transport.shm.ControlMessage.RegisterError;
import dev.tern.transport.shm.ControlMessage.RegisterRequest;
import dev.tern.transport.shm.ControlMessage.RegisterResult;
import dev.tern.transport.shm.ControlMessage.ZeroRanges;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One end of an shm connection: a stream and control messages over a socket, and regions of
 * memory shared through files in a directory both processes can map (docs/protocols/shm-transport.md).
 *
 * <p>Locks: {@code sendLock} keeps frames whole on the socket; {@code memoryLock} orders region
 * writes, zero announcements and flushes; the {@link Inbox} decides who reads the socket.
 */
public final class ShmConnection implements RemoteMemoryConnection {

    private static final MemorySegment ZEROS = Arena.global().allocate(CHUNK_SIZE);
    private static final long DISCARD_LIMIT = 64L << 20;
    private static final AtomicInteger FILES = new AtomicInteger();
    private static final Set<StandardOpenOption> NEW_REGION_FILE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);

    private final StreamConnection control;
    private final String peer;
    private final Path dir;
    private final Arena mappings = Arena.ofShared();
    private final AtomicBoolean closed = new AtomicBoolean();

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer dataFrame = ByteBuffer.allocateDirect(ControlCodec.HEADER + ControlCodec.MAX_DATA);
    private boolean outputDone;

    private final Inbox inbox = new Inbox();
    private final ByteBuffer header = ByteBuffer.allocate(ControlCodec.HEADER);
    private boolean helloSeen;

    private final Object exposeLock = new Object();
    private final List<ExposedRegion> exposed = new CopyOnWriteArrayList<>();
    private final Object registerLock = new Object();
    private volatile boolean registering;
    private final Map<Integer, RemoteRegion> remote = new ConcurrentHashMap<>();

    private final Object memoryLock = new Object();
    private final ZeroAnnouncements zeros = new ZeroAnnouncements();
    private long unflushedWritten;
    private long unflushedFilled;
    private ShmStats sent = ShmStats.NONE;
    private ShmStats received = ShmStats.NONE;

    private ShmConnection(StreamConnection control, Path dir) {
        this.control = control;
        this.peer = "shm:" + control.peer();
        this.dir = dir;
    }

    /** Starts the protocol on a connected control channel (owned from now on): sends the greeting. */
    static ShmConnection open(StreamConnection control, Path dir) throws IOException {
        ShmConnection c = new ShmConnection(control, dir);
        try {
            c.send(new Hello(ControlCodec.MAGIC, ControlCodec.VERSION));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Override
    public String peer() {
        return peer;
    }

    /** What this end wrote into the peer's regions. */
    public ShmStats sent() {
        synchronized (memoryLock) {
            return sent;
        }
    }

    /** What the peer reported writing into this end's regions (as of the messages read so far). */
    public synchronized ShmStats received() {
        return received;
    }

    // ---- stream ----------------------------------------------------------------------------

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!dst.hasRemaining()) {
            return 0;
        }
        return inbox.read(dst, this::pumpOne);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        int total = src.remaining();
        sendLock.lock();
        try {
            ensureOutput();
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), ControlCodec.MAX_DATA);
                dataFrame.clear().putInt(n).putShort((short) ControlCodec.DATA).putShort((short) 0);
                dataFrame.put(dataFrame.position(), src, src.position(), n);
                dataFrame.position(dataFrame.position() + n).flip();
                src.position(src.position() + n);
                control.write(dataFrame);
            }
        } finally {
            sendLock.unlock();
        }
        return total;
    }

    /**
     * Half-close: announces completion, after which this end sends nothing (neither stream bytes
     * nor memory announcements) while it can still read what the peer sends.
     */
    public void shutdownOutput() throws IOException {
        ensureOpen();
        sendLock.lock();
        try {
            if (!outputDone) {
                control.write(ControlCodec.encode(new Complete()));
                outputDone = true;
                control.shutdownOutput();
            }
        } finally {
            sendLock.unlock();
        }
    }

    // ---- memory: exposing side ---------------------------------------------------------------

    @Override
    public MemorySegment expose(String name, long size, Arena arena) throws IOException {
        ensureOpen();
        Objects.requireNonNull(arena, "arena");
        if (name == null || !ControlCodec.REGION_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("region name '" + name + "' must be 1..64 of [A-Za-z0-9._-]");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("region '" + name + "' size must be positive, was " + size);
        }
        synchronized (exposeLock) {
            if (exposed.stream().anyMatch(r -> r.name().equals(name))) {
                throw new IllegalArgumentException("region '" + name + "' is already exposed on " + peer);
            }
            StaleRegionFiles.sweep(dir);
            Path file = dir.resolve(StaleRegionFiles.name(FILES.incrementAndGet(), ThreadLocalRandom.current().nextLong()));
            MemorySegment memory;
            try (FileChannel channel = FileChannel.open(file, NEW_REGION_FILE,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                // Mapping past the end grows the file with zeros: the region starts zero-filled.
                memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw new IOException(peer + ": cannot create shared region '" + name + "' of " + size
                        + " bytes in " + dir + ": " + e.getMessage(), e);
            }
            exposed.add(new ExposedRegion(exposed.size(), name, file, memory));
            return memory;
        }
    }

    // ---- memory: writing side ----------------------------------------------------------------

    @Override
    public int register(String name, long size) throws IOException {
        ensureOpen();
        if (name == null || !ControlCodec.REGION_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("region name '" + name + "' must be 1..64 of [A-Za-z0-9._-]");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("region '" + name + "' size must be positive, was " + size);
        }
        synchronized (registerLock) {
            for (RemoteRegion r : remote.values()) {
                if (r.name().equals(name)) {
                    if (r.size() != size) {
                        throw new IllegalArgumentException("region '" + name + "' was registered with size "
                                + r.size() + ", not " + size);
                    }
                    return r.id();
                }
            }
            inbox.expectAnswer();
            registering = true;
            try {
                send(new RegisterRequest(name, size));
                ControlMessage answer = inbox.awaitAnswer(this::pumpOne);
                return switch (answer) {
                    case RegisterResult r -> mapRemote(name, size, r);
                    case RegisterError e -> throw new IOException(peer + " refused region '" + name + "': " + e.reason());
                    default -> throw new IllegalStateException("not an answer: " + answer);
                };
            } finally {
                registering = false;
            }
        }
    }

    @Override
    public void write(int regionId, long offset, MemorySegment src) throws IOException {
        ensureOpen();
        RemoteRegion region = remote.get(regionId);
        if (region == null) {
            throw new IllegalArgumentException("region id " + regionId + " was not registered on " + peer);
        }
        Objects.checkFromIndexSize(offset, src.byteSize(), region.size());
        synchronized (memoryLock) {
            ensureOutput();
            try {
                long length = src.byteSize();
                long pos = 0;
                while (pos < length) {
                    long at = offset + pos;
                    long n = Math.min(length - pos, CHUNK_SIZE - at % CHUNK_SIZE);
                    writePiece(region, at, src, pos, n);
                    pos += n;
                }
            } catch (IllegalStateException e) {
                throw closedDuringWrite(e);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        synchronized (memoryLock) {
            ensureOutput();
            // The peer reads region memory after it reads this message; the fence orders our
            // stores before the socket write that tells it so.
            VarHandle.fullFence();
            if (zeros.hasPending()) {
                send(zeros.drain());
            }
            send(new ChunksDone(unflushedWritten, unflushedFilled));
            sent = sent.plus(0, 0, 0, 1);
            unflushedWritten = 0;
            unflushedFilled = 0;
        }
    }

    private void writePiece(RemoteRegion region, long at, MemorySegment src, long pos, long n) throws IOException {
        if (MemorySegment.mismatch(src, pos, pos + n, ZEROS, 0, n) >= 0) {
            MemorySegment.copy(src, pos, region.memory(), at, n);
            region.touch(at, n);
            unflushedWritten += n;
            sent = sent.plus(n, 0, 0, 0);
            return;
        }
        // All zero: skip the pages still holding their initial zeros, clear the others.
        long end = at + n;
        for (long from = at; from < end; ) {
            long to = Math.min(end, (from / RemoteRegion.PAGE + 1) * RemoteRegion.PAGE);
            boolean pristine = region.pristine(from, to - from);
            while (to < end && region.pristine(to, Math.min(end, to + RemoteRegion.PAGE) - to) == pristine) {
                to = Math.min(end, to + RemoteRegion.PAGE);
            }
            zeroRun(region, from, to - from, pristine);
            from = to;
        }
    }

    private void zeroRun(RemoteRegion region, long at, long n, boolean pristine) throws IOException {
        if (pristine) {
            ZeroRanges full = zeros.add(region.id(), at, n);
            if (full != null) {
                send(full);
            }
            sent = sent.plus(0, n, 0, 0);
        } else {
            region.memory().asSlice(at, n).fill((byte) 0);
            unflushedWritten += n;
            unflushedFilled += n;
            sent = sent.plus(n, 0, n, 0);
        }
    }

    private int mapRemote(String name, long size, RegisterResult r) throws IOException {
        if (r.size() != size) {
            throw new ProtocolException(peer + " answered region '" + name + "' with size " + r.size() + ", not " + size);
        }
        if (remote.containsKey(r.regionId())) {
            throw new ProtocolException(peer + " answered region '" + name + "' with id " + r.regionId()
                    + ", already in use");
        }
        Path file = dir.resolve(r.fileName());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            if (channel.size() != size) {
                throw new ProtocolException("region file " + file + " holds " + channel.size() + " bytes, not " + size);
            }
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, mappings);
            remote.put(r.regionId(), new RemoteRegion(r.regionId(), name, memory));
            return r.regionId();
        } catch (NoSuchFileException e) {
            throw new IOException(peer + ": region file " + file + " does not exist; both ends must use the same"
                    + " shm directory on the same host", e);
        }
    }

    // ---- receiving -----------------------------------------------------------------------------

    private void pumpOne() throws IOException {
        try {
            header.clear();
            if (!readFully(header, true)) {
                throw new ProtocolException("the peer closed the control channel without completing (did it die?)");
            }
            int type = ControlCodec.type(header);
            ByteBuffer payload = ByteBuffer.allocate(ControlCodec.payloadLength(header));
            readFully(payload, false);
            payload.flip();
            handle(ControlCodec.decode(type, payload));
        } catch (IOException e) {
            if (closed.get()) {
                AsynchronousCloseException c = new AsynchronousCloseException();
                c.initCause(e);
                throw c;
            }
            String message = peer + ": " + e.getMessage();
            throw e instanceof ProtocolException ? new ProtocolException(message, e) : new IOException(message, e);
        }
    }

    private void handle(ControlMessage message) throws IOException {
        if (!helloSeen) {
            if (!(message instanceof Hello(long magic, int version))) {
                throw new ProtocolException("expected a hello first, got " + message.getClass().getSimpleName());
            }
            if (magic != ControlCodec.MAGIC || version != ControlCodec.VERSION) {
                throw new ProtocolException("not an shm peer of protocol version " + ControlCodec.VERSION
                        + " (magic 0x" + Long.toHexString(magic) + ", version " + version + ")");
            }
            helloSeen = true;
            return;
        }
        switch (message) {
            case Hello h -> throw new ProtocolException("a second hello");
            case Data d -> inbox.addData(ByteBuffer.wrap(d.bytes()));
            case RegisterRequest r -> send(answer(r));
            case RegisterResult r -> deliver(r);
            case RegisterError e -> deliver(e);
            case ZeroRanges z -> acceptZeroRanges(z);
            case ChunksDone c -> {
                VarHandle.fullFence();
                synchronized (this) {
                    received = received.plus(c.bytesWritten(), 0, c.bytesZeroFilled(), 1);
                }
            }
            case Complete c -> inbox.peerDone();
        }
    }

    private ControlMessage answer(RegisterRequest request) {
        for (ExposedRegion r : exposed) {
            if (r.name().equals(request.name())) {
                if (r.size() != request.size()) {
                    return new RegisterError("region '" + r.name() + "' has " + r.size() + " bytes, not " + request.size());
                }
                return new RegisterResult(r.id(), r.size(), r.file().getFileName().toString());
            }
        }
        return new RegisterError("no region '" + request.name() + "' is exposed");
    }

    private void deliver(ControlMessage answer) throws ProtocolException {
        if (!inbox.deliverAnswer(answer, registering)) {
            throw new ProtocolException("a registration answer nobody asked for");
        }
    }

    private void acceptZeroRanges(ZeroRanges z) throws ProtocolException {
        if (z.regionId() < 0 || z.regionId() >= exposed.size()) {
            throw new ProtocolException("zero announcement for region id " + z.regionId() + ", which is not exposed");
        }
        ExposedRegion region = exposed.get(z.regionId());
        long total = 0;
        for (Range r : z.ranges()) {
            if (!region.contains(r.offset(), r.length())) {
                throw new ProtocolException("zero range at " + r.offset() + " of " + r.length() + " bytes lies outside region '"
                        + region.name() + "' of " + region.size() + " bytes");
            }
            total += r.length();
        }
        synchronized (this) {
            received = received.plus(0, total, 0, 0);
        }
    }

    private boolean readFully(ByteBuffer b, boolean atBoundary) throws IOException {
        while (b.hasRemaining()) {
            if (control.read(b) < 0) {
                if (atBoundary && b.position() == 0) {
                    return false;
                }
                throw new ProtocolException("control message truncated by end of stream");
            }
        }
        return true;
    }

    // ---- sending and lifecycle ---------------------------------------------------------------

    private void send(ControlMessage message) throws IOException {
        sendLock.lock();
        try {
            ensureOutput();
            control.write(ControlCodec.encode(message));
        } finally {
            sendLock.unlock();
        }
    }

    private void ensureOutput() throws IOException {
        if (outputDone) {
            throw new IOException(peer + ": output was shut down; nothing more can be sent");
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed.get()) {
            throw new ClosedChannelException();
        }
    }

    private AsynchronousCloseException closedDuringWrite(IllegalStateException e) {
        AsynchronousCloseException c = new AsynchronousCloseException();
        c.initCause(e);
        return c;
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Announces completion if it was not announced yet (unless another thread is sending), closes
     * the socket, unmaps the peer's regions and deletes the files of the regions this end exposed
     * (their mappings stay valid in the caller's arena). Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (sendLock.tryLock()) {
            try {
                if (!outputDone) {
                    outputDone = true;
                    control.write(ControlCodec.encode(new Complete()));
                    control.shutdownOutput();
                }
                // Messages of the peer nobody will read (its hello, say) would make TCP reset the
                // connection on close and could destroy what the peer has not read yet.
                control.discardReceived(DISCARD_LIMIT);
            } catch (IOException ignored) {
                // A peer that is gone needs no goodbye.
            } finally {
                sendLock.unlock();
            }
        }
        IOException failure = null;
        try {
            control.close();
        } catch (IOException e) {
            failure = e;
        }
        inbox.close();
        for (ExposedRegion r : exposed) {
            try {
                Files.deleteIfExists(r.file());
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        try {
            mappings.close();
        } catch (IllegalStateException e) {
            failure = failure == null ? new IOException(peer + ": peer regions still in use: " + e.getMessage(), e) : failure;
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "ShmConnection[" + peer + "]";
    }
}
