package dev.tern.kernel.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 */
public final class ReplayLogReader {

    /** Largest log this reader loads into memory. */
    static final long MAX_FILE = 1L << 30;

    private ReplayLogReader() {
    }

    /** Reads {@code path}. */
    public static ReplayLog read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > MAX_FILE) {
            throw new ReplayLogException(0, path + " is " + size + " bytes, more than the " + MAX_FILE + " a replay log may have");
        }
        return parse(Files.readAllBytes(path));
    }

    /** Reads a log held in memory. */
    public static ReplayLog parse(byte[] file) throws ReplayLogException {
        int magic = ReplayLogCodec.MAGIC.length;
        if (file.length < magic + 2 || !Arrays.equals(file, 0, magic, ReplayLogCodec.MAGIC, 0, magic)) {
            throw new ReplayLogException(0, "not a Tern replay log: the file does not start with \"TERN-RR\\n\"");
        }
        int version = ((file[magic] & 0xff) << 8) | (file[magic + 1] & 0xff);
        if (version != ReplayLogCodec.FORMAT_VERSION) {
            throw new ReplayLogException(magic, "replay log format version " + version + " is not supported (this Tern reads "
                    + ReplayLogCodec.FORMAT_VERSION + ")");
        }
        int pos = magic + 2;
        ReplayLogHeader header = null;
        var entries = new ArrayList<LogEntry>();
        LogEntry.End end = null;
        String truncation = null;
        int block = 0;
        long lastInstructions = 0;
        while (pos < file.length) {
            if (file.length - pos < ReplayLogCodec.FRAME_BYTES) {
                truncation = "the last block at offset " + pos + " is incomplete (" + (file.length - pos) + " bytes of its frame)";
                break;
            }
            int tag = file[pos] & 0xff;
            long length = ((file[pos + 1] & 0xffL) << 24) | ((file[pos + 2] & 0xff) << 16) | ((file[pos + 3] & 0xff) << 8)
                    | (file[pos + 4] & 0xff);
            int storedCrc = ((file[pos + 5] & 0xff) << 24) | ((file[pos + 6] & 0xff) << 16) | ((file[pos + 7] & 0xff) << 8)
                    | (file[pos + 8] & 0xff);
            if (length > ReplayLogCodec.MAX_BLOCK) {
                throw new ReplayLogException(pos + 1, "block " + block + " claims " + length + " payload bytes, more than the "
                        + ReplayLogCodec.MAX_BLOCK + " allowed");
            }
            int payload = pos + ReplayLogCodec.FRAME_BYTES;
            if (payload + length > file.length) {
                truncation = "the last block (block " + block + " at offset " + pos + ") is incomplete: " + (file.length - payload)
                        + " of its " + length + " payload bytes are present";
                break;
            }
            var crc = new CRC32C();
            crc.update(file, pos, 5);
            crc.update(file, payload, (int) length);
            if ((int) crc.getValue() != storedCrc) {
                throw new ReplayLogException(pos, "block " + block + " is corrupt: CRC32C "
                        + String.format("%08x", (int) crc.getValue()) + " does not match the stored " + String.format("%08x", storedCrc));
            }
            if (end != null) {
                throw new ReplayLogException(pos, "block " + block + " follows the end marker");
            }
            var in = new ReplayLogCodec.In(file, payload, payload + (int) length, payload);
            if (block == 0) {
                if (tag != ReplayLogCodec.BLOCK_HEADER) {
                    throw new ReplayLogException(pos, "block 0 must be the header, found tag " + tag);
                }
                header = ReplayLogCodec.readHeader(in, version);
                if (!in.atEnd()) {
                    throw in.error("header has " + in.remaining() + " unread bytes");
                }
            } else {
                if (tag != ReplayLogCodec.BLOCK_ENTRIES) {
                    throw new ReplayLogException(pos, "block " + block + " has unknown tag " + tag);
                }
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
            }
            pos = payload + (int) length;
            block++;
        }
        if (header == null) {
            throw new ReplayLogException(magic + 2, "the log has no complete header block" + (truncation == null ? "" : ": " + truncation));
        }
        return new ReplayLog(header, entries, Optional.ofNullable(end), Optional.ofNullable(truncation), file.length, block);
    }
}
