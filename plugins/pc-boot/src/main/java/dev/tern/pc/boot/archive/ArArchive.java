package dev.tern.pc.boot.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Unix {@code ar} archive (the {@code .deb} container): {@code "!<arch>\n"} then members, each a
 * 60-byte text header (name 16, mtime 12, uid 6, gid 6, octal mode 8, decimal size 10,
 * {@code "`\n"}) and data padded to an even length. GNU long names ({@code "//"} table and
 * {@code "/N"} references) and BSD {@code "#1/len"} names are resolved; the symbol table
 * {@code "/"} is skipped.
 */
public final class ArArchive implements AutoCloseable {

    private static final byte[] MAGIC = "!<arch>\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 60;

    private final String source;
    private final FileChannel channel;
    private final List<ArMember> members;

    private ArArchive(String source, FileChannel channel) throws IOException {
        this.source = source;
        this.channel = channel;
        this.members = List.copyOf(scan());
    }

    /**
     * Opens and indexes {@code file}.
     *
     * @throws ArchiveFormatException when the file is not an ar archive or a header is malformed
     */
    public static ArArchive open(Path file) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            return new ArArchive(file.getFileName().toString(), ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ArchiveFormatException(file + ": cannot read ar archive: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Members in archive order. */
    public List<ArMember> members() {
        return members;
    }

    /** The first member whose name is {@code name} or starts with {@code prefix}. */
    public Optional<ArMember> find(String prefix) {
        return members.stream().filter(m -> m.name().startsWith(prefix)).findFirst();
    }

    /** A stream over one member's data; closing it leaves the archive open. */
    public InputStream open(ArMember member) {
        var slice = new SliceChannel(channel, member.dataOffset(), member.size());
        return Channels.newInputStream(slice);
    }

    /** Reads a whole member; only for small members such as {@code debian-binary}. */
    public byte[] read(ArMember member) {
        if (member.size() > 1 << 20) {
            throw new ArchiveFormatException(source + ": member " + member.name() + " of " + member.size()
                    + " bytes is too large to read whole");
        }
        var buf = ByteBuffer.allocate((int) member.size());
        readFully(buf, member.dataOffset(), member.name());
        return buf.array();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private List<ArMember> scan() throws IOException {
        long size = channel.size();
        var magic = ByteBuffer.allocate(MAGIC.length);
        if (size < MAGIC.length || channel.read(magic, 0) != MAGIC.length
                || !java.util.Arrays.equals(magic.array(), MAGIC)) {
            throw new ArchiveFormatException(source + ": not an ar archive (no \"!<arch>\\n\" magic)");
        }
        var result = new ArrayList<ArMember>();
        byte[] longNames = null;
        long pos = MAGIC.length;
        while (pos < size) {
            if (size - pos < HEADER) {
                throw new ArchiveFormatException(source + ": truncated member header at offset " + pos);
            }
            var h = ByteBuffer.allocate(HEADER);
            readFully(h, pos, "header");
            var member = header(h.array(), pos, size, longNames);
            if (member.name().equals("//")) {
                longNames = read(member);
            } else if (!member.name().equals("/") && !member.name().equals("/SYM64/")) {
                result.add(member);
            }
            pos = member.dataOffset() + member.size() + (member.size() & 1);
        }
        return result;
    }

    private ArMember header(byte[] h, long at, long size, byte[] longNames) {
        if (h[58] != '`' || h[59] != '\n') {
            throw new ArchiveFormatException(source + ": member header at offset " + at + " lacks the \"`\\n\" terminator");
        }
        String rawName = field(h, 0, 16);
        int mode = (int) number(h, 40, 8, 8, at, "mode");
        long len = number(h, 48, 10, 10, at, "size");
        long data = at + HEADER;
        if (data + len > size) {
            throw new ArchiveFormatException(source + ": member \"" + rawName + "\" at offset " + at + " declares size "
                    + len + " past the end of the " + size + "-byte archive");
        }
        if (rawName.startsWith("#1/")) {
            int nameLen = (int) parse(rawName.substring(3), 10, at, "BSD name length");
            if (nameLen > len) {
                throw new ArchiveFormatException(source + ": BSD name length " + nameLen + " exceeds member size " + len);
            }
            var nb = ByteBuffer.allocate(nameLen);
            readFully(nb, data, "BSD name");
            String name = new String(nb.array(), StandardCharsets.UTF_8).replace("\0", "");
            return new ArMember(name, data + nameLen, len - nameLen, mode);
        }
        return new ArMember(gnuName(rawName, longNames, at), data, len, mode);
    }

    private String gnuName(String raw, byte[] longNames, long at) {
        if (raw.equals("/") || raw.equals("//") || raw.equals("/SYM64/")) {
            return raw;
        }
        if (raw.startsWith("/") && raw.length() > 1) {
            if (longNames == null) {
                throw new ArchiveFormatException(source + ": long name reference \"" + raw + "\" at offset " + at
                        + " before any \"//\" name table");
            }
            int off = (int) parse(raw.substring(1), 10, at, "long name offset");
            if (off >= longNames.length) {
                throw new ArchiveFormatException(source + ": long name offset " + off + " outside the "
                        + longNames.length + "-byte name table");
            }
            int end = off;
            while (end < longNames.length && longNames[end] != '\n') {
                end++;
            }
            raw = new String(longNames, off, end - off, StandardCharsets.UTF_8);
        }
        return raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
    }

    private static String field(byte[] h, int off, int len) {
        return new String(h, off, len, StandardCharsets.US_ASCII).stripTrailing();
    }

    private long number(byte[] h, int off, int len, int radix, long at, String what) {
        String text = field(h, off, len);
        return text.isEmpty() ? 0 : parse(text, radix, at, what);
    }

    private long parse(String text, int radix, long at, String what) {
        try {
            long v = Long.parseLong(text.strip(), radix);
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ArchiveFormatException(source + ": member header at offset " + at + ": " + what + " \"" + text
                    + "\" is not a base-" + radix + " number");
        }
    }

    private void readFully(ByteBuffer buf, long pos, String what) {
        try {
            while (buf.hasRemaining()) {
                int n = channel.read(buf, pos + buf.position());
                if (n < 0) {
                    throw new ArchiveFormatException(source + ": unexpected end of file reading " + what);
                }
            }
        } catch (IOException e) {
            throw new ArchiveFormatException(source + ": I/O error reading " + what + ": " + e, e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the open failure is the error worth reporting
            }
        }
    }
}
