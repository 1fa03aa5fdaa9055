package dev.tern.kernel.block;

import dev.tern.spi.device.LiveDisk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A disk over a real image file, as a device offers one: guest writes go through {@link #guestWrite},
 * which tells the tracker after the bytes are in the file.
 */
public final class ImageFileDisk implements LiveDisk, AutoCloseable {

    private final FileChannel channel;
    private volatile WriteTracker tracker;

    public ImageFileDisk(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** A guest's write: into the image, then told to the tracker. */
    public void guestWrite(long offset, byte[] data) throws IOException {
        write(offset, data, 0, data.length);
        WriteTracker t = tracker;
        if (t != null) {
            t.written(offset, data.length);
        }
    }

    @Override
    public long sizeBytes() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void read(long offset, byte[] buffer, int at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer, at, length);
        while (b.hasRemaining()) {
            if (channel.read(b, offset + b.position() - at) < 0) {
                throw new IOException("end of image");
            }
        }
    }

    @Override
    public void write(long offset, byte[] buffer, int at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer, at, length);
        while (b.hasRemaining()) {
            channel.write(b, offset + b.position() - at);
        }
    }

    @Override
    public void trackWrites(WriteTracker tracker) {
        this.tracker = tracker;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
