package dev.tern.devices.virtio.blk;

import dev.tern.devices.virtio.DescriptorChain;
import dev.tern.devices.virtio.RingException;
import dev.tern.devices.virtio.Virtqueue;
import dev.tern.devices.virtio.VirtioModel;
import dev.tern.devices.virtio.VirtioTransport;
import dev.tern.spi.device.LiveDisk;
import dev.tern.spi.device.OutputKind;
import dev.tern.spi.device.OutputSink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * A virtio block device over a raw image file: capacity in 512-byte sectors, read, write, flush
 * and get-id requests, and read-only mode.
 */
public final class VirtioBlk implements VirtioModel, LiveDisk {

    /** Sector size of the virtio-blk protocol. */
    public static final int SECTOR = 512;
    /** Queue entries. */
    public static final int QUEUE_SIZE = 256;
    static final int F_SEG_MAX = 2;
    static final int F_RO = 5;
    static final int F_BLK_SIZE = 6;
    static final int F_FLUSH = 9;
    static final int F_ANY_LAYOUT = 27;
    static final int HEADER = 16;
    static final int ID_BYTES = 20;
    private static final int CHUNK = 64 * 1024;

    private final Path path;
    private final boolean readOnly;
    private final byte[] serial;
    private final FileChannel channel;
    private final long capacity;
    private VirtioTransport transport;
    private java.util.function.Consumer<byte[]> mirror;
    /** Why the image missed a mirrored write (the image and the OS error); null while it took them all. */
    private volatile String mirrorFailed;
    /** Told of each guest write while a block migration tracks this disk; null otherwise. */
    private volatile WriteTracker tracker;

    /**
     * Opens {@code path}; its size, rounded down to whole sectors, is the disk's capacity.
     *
     * @throws UncheckedIOException naming the file when it cannot be opened
     */
    public VirtioBlk(Path path, boolean readOnly, String serial) {
        this.path = path;
        this.readOnly = readOnly;
        this.serial = serial.getBytes(StandardCharsets.US_ASCII);
        if (this.serial.length > ID_BYTES) {
            throw new IllegalArgumentException("virtio-blk serial '" + serial + "' is longer than " + ID_BYTES + " bytes");
        }
        try {
            this.channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.capacity = channel.size() / SECTOR;
        } catch (IOException e) {
            throw new UncheckedIOException("virtio-blk: cannot open disk image " + path + ": " + e.getMessage(), e);
        }
    }

    /** The disk size in sectors. */
    public long capacity() {
        return capacity;
    }

    @Override
    public int deviceType() {
        return 2;
    }

    @Override
    public int transitionalPciDeviceId() {
        return 0x1001;
    }

    @Override
    public int pciClass() {
        return 0x010000; // mass storage, SCSI: what virtio-blk has always reported
    }

    @Override
    public long features() {
        long f = 1L << F_SEG_MAX | 1L << F_BLK_SIZE | 1L << F_FLUSH | 1L << F_ANY_LAYOUT;
        return readOnly ? f | 1L << F_RO : f;
    }

    @Override
    public List<Integer> queueSizes() {
        return List.of(QUEUE_SIZE);
    }

    @Override
    public byte[] config() {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, capacity);
        b.putInt(8, 0); // size_max: not offered
        b.putInt(12, QUEUE_SIZE - 2); // seg_max: the header and status take two descriptors
        b.putInt(20, SECTOR);
        return b.array();
    }

    @Override
    public void attach(VirtioTransport transport) {
        this.transport = transport;
    }

    @Override
    public void realize() {
        // Writes reach the image at once; the machine's output path also shows them to fault
        // tolerance, which mirrors them to the standby's image with the checkpoint covering them.
        // A write's data is its byte offset (8 bytes, big-endian) followed by the bytes.
        mirror = transport.machine().outputs(OutputKind.BLOCK, new OutputSink() {
            @Override
            public void deliver(long position, byte[] data) {
                applyMirrored(data);
            }

            @Override
            public Optional<String> failure() {
                return Optional.ofNullable(mirrorFailed); // the standby then refuses the checkpoint
            }
        });
        transport.machine().offerDisk(this);
    }

    @Override
    public long sizeBytes() {
        return capacity * SECTOR;
    }

    @Override
    public void read(long offset, byte[] buffer, int at, int length) throws IOException {
        checkImageRange(offset, length);
        ByteBuffer bb = ByteBuffer.wrap(buffer, at, length);
        while (bb.hasRemaining()) {
            if (channel.read(bb, offset + bb.position() - at) < 0) {
                throw new IOException(path + " ended at byte " + (offset + bb.position() - at));
            }
        }
    }

    @Override
    public void write(long offset, byte[] buffer, int at, int length) throws IOException {
        if (readOnly) {
            throw new IOException("virtio-blk image " + path + " is read-only: a migrated disk cannot be written into it");
        }
        checkImageRange(offset, length);
        ByteBuffer bb = ByteBuffer.wrap(buffer, at, length);
        while (bb.hasRemaining()) {
            channel.write(bb, offset + bb.position() - at);
        }
    }

    private void checkImageRange(long offset, int length) throws IOException {
        if (offset < 0 || length < 0 || offset > sizeBytes() - length) {
            throw new IOException("bytes " + offset + " + " + length + " are outside the " + sizeBytes()
                    + "-byte image " + path);
        }
    }

    @Override
    public void trackWrites(WriteTracker tracker) {
        this.tracker = tracker;
    }

    /**
     * A write the primary made, applied to this (the standby's) image. A failure marks the image
     * broken: every later request fails with an I/O error rather than serve a disk that differs
     * from the guest's, and the sink says so, so the checkpoint carrying it is refused.
     */
    private void applyMirrored(byte[] data) {
        if (mirrorFailed != null) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        long pos = b.getLong();
        try {
            while (b.hasRemaining()) {
                channel.write(b, pos + b.position() - 8);
            }
        } catch (IOException e) {
            mirrorFailed = "virtio-blk image " + path + " cannot take a mirrored write at byte " + pos + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    @Override
    public void queueNotified(int queue) throws RingException {
        Virtqueue q = transport.queue(queue);
        boolean any = false;
        for (Optional<DescriptorChain> c = q.pop(); c.isPresent(); c = q.pop()) {
            q.push(c.get(), serve(c.get()));
            any = true;
        }
        if (any) {
            transport.usedBuffers(q);
        }
    }

    /** Serves one request; returns the bytes written to the driver's buffers. */
    private int serve(DescriptorChain c) throws RingException {
        if (c.readableLength() < HEADER || c.writableLength() < 1) {
            throw new RingException("virtio-blk request " + c.head() + " has no room for its header or status byte");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        c.read(transport.memory(), 0, header.array(), 0, HEADER);
        BlockRequest type = BlockRequest.of(header.getInt(0) & 0xffff_ffffL);
        long sector = header.getLong(8);
        long statusAt = c.writableLength() - 1;
        int written = 0;
        int status;
        if (mirrorFailed != null) {
            status = BlockRequest.STATUS_IOERR; // the image missed a write of the primary's: never serve it
        } else if (type == null) {
            status = BlockRequest.STATUS_UNSUPPORTED;
        } else {
            try {
                switch (type) {
                    case IN -> written = read(c, sector, statusAt);
                    case OUT -> write(c, sector, c.readableLength() - HEADER);
                    case FLUSH -> flush();
                    case GET_ID -> written = getId(c, statusAt);
                }
                status = BlockRequest.STATUS_OK;
            } catch (IOException | IllegalArgumentException e) {
                status = BlockRequest.STATUS_IOERR;
                written = 0;
            }
        }
        c.write(transport.memory(), statusAt, new byte[] {(byte) status}, 0, 1);
        return written + 1;
    }

    private long checkedOffset(long sector, long bytes) {
        if (bytes % SECTOR != 0 || sector < 0 || sector > capacity || bytes / SECTOR > capacity - sector) {
            throw new IllegalArgumentException("request for " + bytes + " bytes at sector " + sector
                    + " is not whole sectors within " + capacity);
        }
        return sector * SECTOR;
    }

    private int read(DescriptorChain c, long sector, long length) throws IOException {
        long pos = checkedOffset(sector, length);
        byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(length, 1))];
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(buf.length, length - done);
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                if (channel.read(bb, pos + done + bb.position()) < 0) {
                    throw new IOException(path + " ended before sector " + capacity);
                }
            }
            c.write(transport.memory(), done, buf, 0, n);
            done += n;
        }
        return (int) length;
    }

    private void write(DescriptorChain c, long sector, long length) throws IOException {
        if (readOnly) {
            throw new IOException(path + " is read-only");
        }
        long pos = checkedOffset(sector, length);
        byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(length, 1))];
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(buf.length, length - done);
            c.read(transport.memory(), HEADER + done, buf, 0, n);
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                channel.write(bb, pos + done + bb.position());
            }
            if (mirror != null) {
                mirror.accept(ByteBuffer.allocate(8 + n).putLong(pos + done).put(buf, 0, n).array());
            }
            WriteTracker t = tracker;
            if (t != null) {
                t.written(pos + done, n); // after the bytes are in the image: a copy racing it is sent again
            }
            done += n;
        }
    }

    private void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    private int getId(DescriptorChain c, long room) {
        byte[] id = new byte[ID_BYTES];
        System.arraycopy(serial, 0, id, 0, serial.length);
        int n = (int) Math.min(ID_BYTES, room);
        c.write(transport.memory(), 0, id, 0, n);
        return n;
    }

    @Override
    public void reset() {
        // Requests complete synchronously: nothing is in flight to cancel.
    }

    @Override
    public void powerOff() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("virtio-blk: closing " + path + ": " + e.getMessage(), e);
        }
    }
}
