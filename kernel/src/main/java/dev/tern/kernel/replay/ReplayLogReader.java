package dev.tern.kernel.replay;

import dev.tern.kernel.state.StateSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Reads and verifies a whole replay log before anything uses it. The file is hostile input: every
 * length is bounded, every block's CRC32C checked, entry counts keep to the instruction order, and
 * each error names the offset, the block and the entry. A last block cut short (a recording killed
 * mid-write) is not an error: the log then ends at the last whole block, and {@link
 * ReplayLog#truncation()} says so.
 *
 * <p>Embedded snapshots are checked (CRC, instruction order) but not kept: their state is read from
 * the log again when a replay loads one ({@link EmbeddedSnapshot#state()}).
 */
public final class ReplayLogReader {

    /** Most entry-block bytes this reader loads into memory (snapshot blocks do not count). */
    static final long MAX_ENTRY_BYTES = 1L << 30;
    /** Snapshot payloads are checked in pieces of this size. */
    private static final int CHUNK = 1 << 20;

    /** Random access to a log's bytes: a file or an array. */
    private interface Bytes {
        long size();

        void read(long pos, byte[] dst, int off, int len) throws IOException;

        /** {@code len} bytes from {@code pos} as a stream that can be opened more than once. */
        StateSource region(long pos, long len);
    }

    private record ArrayBytes(byte[] file) implements Bytes {
        @Override
        public long size() {
            return file.length;
        }

        @Override
        public void read(long pos, byte[] dst, int off, int len) {
            System.arraycopy(file, (int) pos, dst, off, len);
        }

        @Override
        public StateSource region(long pos, long len) {
            return () -> new ByteArrayInputStream(file, (int) pos, (int) len);
        }
    }

    private record FileBytes(Path path, FileChannel channel, long size) implements Bytes {
        @Override
        public void read(long pos, byte[] dst, int off, int len) throws IOException {
            var b = ByteBuffer.wrap(dst, off, len);
            while (b.hasRemaining()) {
                if (channel.read(b, pos + b.position() - off) < 0) {
                    throw new IOException(path + " shrank while it was read");
                }
            }
        }

        @Override
        public StateSource region(long pos, long len) {
            return () -> {
                FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
                ch.position(pos);
                return new Region(Channels.newInputStream(ch), len);
            };
        }
    }

    /** The first {@code left} bytes of a stream. */
    private static final class Region extends InputStream {
        private final InputStream in;
        private long left;

        Region(InputStream in, long left) {
            this.in = in;
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private ReplayLogReader() {
    }

    /** Reads {@code path}. */
    public static ReplayLog read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parse(new FileBytes(path, ch, ch.size()));
        }
    }

    /** Reads a log held in memory. */
    public static ReplayLog parse(byte[] file) throws ReplayLogException {
        try {
            return parse(new ArrayBytes(file));
        } catch (ReplayLogException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading an array cannot fail", e);
        }
    }

    private static ReplayLog parse(Bytes file) throws IOException {
        int magic = ReplayLogCodec.MAGIC.length;
        byte[] prefix = new byte[magic + 2];
        if (file.size() < prefix.length) {
            throw new ReplayLogException(0, "not a Tern replay log: the file does not start with \"TERN-RR\\n\"");
        }
        file.read(0, prefix, 0, prefix.length);
        if (!Arrays.equals(prefix, 0, magic, ReplayLogCodec.MAGIC, 0, magic)) {
            throw new ReplayLogException(0, "not a Tern replay log: the file does not start with \"TERN-RR\\n\"");
        }
        int version = ((prefix[magic] & 0xff) << 8) | (prefix[magic + 1] & 0xff);
        if (version < 1 || version > ReplayLogCodec.FORMAT_VERSION) {
            throw new ReplayLogException(magic, "replay log format version " + version + " is not supported (this Tern reads 1 to "
                    + ReplayLogCodec.FORMAT_VERSION + ")");
        }
        return new Blocks(file, version).read();
    }

    /** The block-by-block reading of one log. */
    private static final class Blocks {
        private final Bytes file;
        private final int version;
        private ReplayLogHeader header;
        private final ArrayList<LogEntry> entries = new ArrayList<>();
        private final ArrayList<EmbeddedSnapshot> snapshots = new ArrayList<>();
        private LogEntry.End end;
        private String truncation;
        private int block;
        private long lastInstructions;
        private long entryBytes;
        /** The last fingerprint read: what the next delta checkpoint applies to. */
        private StateFingerprint fingerprintBase;

        Blocks(Bytes file, int version) {
            this.file = file;
            this.version = version;
        }

        ReplayLog read() throws IOException {
            long size = file.size();
            long pos = ReplayLogCodec.MAGIC.length + 2;
            byte[] frame = new byte[ReplayLogCodec.frameBytes(version)];
            while (pos < size) {
                if (size - pos < frame.length) {
                    truncation = "the last block at offset " + pos + " is incomplete (" + (size - pos) + " bytes of its frame)";
                    break;
                }
                file.read(pos, frame, 0, frame.length);
                var f = ByteBuffer.wrap(frame);
                checkFrame(frame, pos);
                int tag = f.get() & 0xff;
                long length = f.getInt() & 0xffffffffL;
                int storedCrc = f.getInt();
                boolean snapshot = tag == ReplayLogCodec.BLOCK_SNAPSHOT && version >= ReplayLogCodec.FIRST_WITH_SNAPSHOTS;
                long limit = snapshot ? ReplayLogCodec.MAX_SNAPSHOT_BLOCK : ReplayLogCodec.MAX_BLOCK;
                if (length > limit) {
                    throw new ReplayLogException(pos + 1, "block " + block + " claims " + length + " payload bytes, more than the "
                            + limit + " allowed");
                }
                long payload = pos + frame.length;
                if (payload + length > size) {
                    truncation = "the last block (block " + block + " at offset " + pos + ") is incomplete: " + (size - payload)
                            + " of its " + length + " payload bytes are present";
                    break;
                }
                var crc = new CRC32C();
                crc.update(frame, 0, 5);
                byte[] body = snapshot ? null : new byte[(int) length];
                if (snapshot) {
                    crcOf(payload, length, crc);
                } else {
                    file.read(payload, body, 0, body.length);
                    crc.update(body);
                }
                if ((int) crc.getValue() != storedCrc) {
                    throw new ReplayLogException(pos, "block " + block + (snapshot ? " (an embedded snapshot)" : "")
                            + " is corrupt: CRC32C " + String.format("%08x", (int) crc.getValue()) + " does not match the stored "
                            + String.format("%08x", storedCrc));
                }
                if (end != null) {
                    throw new ReplayLogException(pos, "block " + block + " follows the end marker");
                }
                if (block == 0) {
                    readHeader(tag, pos, body, payload);
                } else if (snapshot) {
                    readSnapshot(pos, payload, length);
                } else if (tag == ReplayLogCodec.BLOCK_ENTRIES) {
                    readEntries(body, payload);
                } else {
                    throw new ReplayLogException(pos, "block " + block + " has unknown tag " + tag
                            + (tag == ReplayLogCodec.BLOCK_SNAPSHOT ? " (snapshot blocks came with format version "
                            + ReplayLogCodec.FIRST_WITH_SNAPSHOTS + "; this log is version " + version + ")" : ""));
                }
                pos = payload + length;
                block++;
            }
            if (header == null) {
                throw new ReplayLogException(ReplayLogCodec.MAGIC.length + 2, "the log has no complete header block"
                        + (truncation == null ? "" : ": " + truncation));
            }
            return new ReplayLog(header, entries, snapshots, Optional.ofNullable(end), Optional.ofNullable(truncation), size,
                    block);
        }

        /**
         * From version 5 a frame is trusted only once its own CRC matches: only then may a length
         * reaching past the file's end be read as a recording cut short.
         */
        private void checkFrame(byte[] frame, long pos) throws ReplayLogException {
            if (version < ReplayLogCodec.FIRST_WITH_FRAME_CHECK) {
                return;
            }
            int stored = ByteBuffer.wrap(frame, ReplayLogCodec.FRAME_FIELDS, 4).getInt();
            int actual = ReplayLogCodec.frameCheck(frame);
            if (actual != stored) {
                throw new ReplayLogException(pos, "block " + block + " is corrupt: its frame's CRC32C "
                        + String.format("%08x", actual) + " does not match the stored " + String.format("%08x", stored));
            }
        }

        private void crcOf(long from, long length, CRC32C crc) throws IOException {
            byte[] chunk = new byte[(int) Math.min(CHUNK, length)];
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(chunk.length, length - done);
                file.read(from + done, chunk, 0, n);
                crc.update(chunk, 0, n);
                done += n;
            }
        }

        private void readHeader(int tag, long pos, byte[] body, long payload) throws ReplayLogException {
            if (tag != ReplayLogCodec.BLOCK_HEADER) {
                throw new ReplayLogException(pos, "block 0 must be the header, found tag " + tag);
            }
            var in = new ReplayLogCodec.In(body, 0, body.length, payload);
            header = ReplayLogCodec.readHeader(in, version);
            if (!in.atEnd()) {
                throw in.error("header has " + in.remaining() + " unread bytes");
            }
        }

        private void readEntries(byte[] body, long payload) throws ReplayLogException {
            entryBytes += body.length;
            if (entryBytes > MAX_ENTRY_BYTES) {
                throw new ReplayLogException(payload, "the log's entries pass " + MAX_ENTRY_BYTES + " bytes, more than a replay reads");
            }
            var in = new ReplayLogCodec.In(body, 0, body.length, payload);
            in.compactWarps = version >= ReplayLogCodec.FIRST_WITH_COMPACT_WARPS;
            in.deltaCheckpoints = version >= ReplayLogCodec.FIRST_WITH_DELTA_CHECKPOINTS;
            in.fingerprintBase = fingerprintBase;
            int index = 0;
            while (!in.atEnd()) {
                in.context = "block " + block + " entry " + index + " (log entry " + entries.size() + ")";
                long at = in.offset();
                LogEntry e = ReplayLogCodec.readEntry(in);
                if (e.instructions() < lastInstructions) {
                    throw new ReplayLogException(at, in.context + ": instruction count " + e.instructions()
                            + " goes back from " + lastInstructions);
                }
                lastInstructions = e.instructions();
                if (end != null) {
                    throw new ReplayLogException(at, in.context + " follows the end marker");
                }
                if (e instanceof LogEntry.End en) {
                    end = en;
                } else {
                    entries.add(e);
                }
                index++;
            }
            fingerprintBase = in.fingerprintBase;
        }

        /** A snapshot block: {@code varint instructions}, then the saved-state stream to the block's end. */
        private void readSnapshot(long pos, long payload, long length) throws IOException {
            byte[] head = new byte[(int) Math.min(10, length)];
            file.read(payload, head, 0, head.length);
            var in = new ReplayLogCodec.In(head, 0, head.length, payload);
            in.context = "block " + block + " (an embedded snapshot)";
            long instructions = in.varint();
            long stateBytes = length - in.offset() + payload;
            if (stateBytes <= 0) {
                throw in.error("holds no saved state");
            }
            if (instructions < lastInstructions) {
                throw new ReplayLogException(pos, in.context + ": instruction count " + instructions + " goes back from "
                        + lastInstructions);
            }
            if (!snapshots.isEmpty() && snapshots.getLast().instructions() >= instructions) {
                throw new ReplayLogException(pos, in.context + ": a snapshot at instruction " + instructions
                        + " follows one at " + snapshots.getLast().instructions());
            }
            lastInstructions = instructions;
            long stateAt = in.offset();
            snapshots.add(new EmbeddedSnapshot(instructions, block, pos, stateBytes, file.region(stateAt, stateBytes)));
        }
    }
}
