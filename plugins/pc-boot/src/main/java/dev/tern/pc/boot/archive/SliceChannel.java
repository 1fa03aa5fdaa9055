package dev.tern.pc.boot.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;

/** A read-only window [start, start + length) of a file channel, read with positional reads. */
final class SliceChannel implements ReadableByteChannel {

    private final FileChannel file;
    private final long end;
    private long pos;
    private boolean open = true;

    SliceChannel(FileChannel file, long start, long length) {
        this.file = file;
        this.pos = start;
        this.end = start + length;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (pos >= end) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), end - pos);
        var view = dst.slice().limit(want);
        int n = file.read(view, pos);
        if (n < 0) {
            throw new IOException("file ended inside an archive member at offset " + pos);
        }
        dst.position(dst.position() + n);
        pos += n;
        return n;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        // the archive owns the file channel
        open = false;
    }
}
