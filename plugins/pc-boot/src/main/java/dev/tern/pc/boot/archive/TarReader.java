package dev.tern.pc.boot.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Optional;

/**
 * Streams a POSIX ustar / GNU tar archive: 512-byte headers (name 100, mode 8, uid 8, gid 8,
 * size 12, mtime 12, checksum 8, typeflag 1, linkname 100, magic 6, version 2, uname 32, gname 32,
 * devmajor 8, devminor 8, prefix 155), data padded to 512. Understands GNU long names ('L', 'K'),
 * pax extended headers ('x': path, linkpath, size; 'g' ignored) and base-256 sizes; verifies
 * header checksums. Entry data not read by the caller is skipped by {@link #next()}.
 */
public final class TarReader implements AutoCloseable {

    private static final int BLOCK = 512;
    /** Long names and pax headers are small; refuse absurd ones instead of allocating them. */
    private static final long MAX_META = 1 << 20;

    private final String source;
    private final InputStream in;
    private long offset;
    private long remaining;
    private long padding;

    /** Reads the archive from an uncompressed stream, named {@code source} in errors. */
    public TarReader(String source, InputStream in) {
        this.source = source;
        this.in = in;
    }

    /**
     * Advances to the next entry, skipping the rest of the current one.
     *
     * @return the entry, or empty at the end-of-archive marker or end of stream
     * @throws ArchiveFormatException for a bad checksum, number or truncated data
     */
    public Optional<TarEntry> next() {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        String longLink = null;
        Long paxSize = null;
        while (true) {
            byte[] h = new byte[BLOCK];
            long headerAt = offset;
            if (!readBlock(h)) {
                return Optional.empty();
            }
            if (allZero(h)) {
                return Optional.empty();
            }
            verifyChecksum(h, headerAt);
            char type = (char) h[156];
            long size = number(h, 124, 12, headerAt, "size");
            switch (type) {
                case 'L' -> longName = cString(readMeta(size, headerAt));
                case 'K' -> longLink = cString(readMeta(size, headerAt));
                case 'x' -> {
                    var pax = parsePax(readMeta(size, headerAt), headerAt);
                    longName = pax[0] != null ? pax[0] : longName;
                    longLink = pax[1] != null ? pax[1] : longLink;
                    paxSize = pax[2] != null ? Long.valueOf(parseDecimal(pax[2], headerAt)) : paxSize;
                }
                case 'g' -> readMeta(size, headerAt);
                default -> {
                    return Optional.of(entry(h, type, headerAt, longName, longLink, paxSize != null ? paxSize : size));
                }
            }
        }
    }

    /** The current entry's data; reading past it returns end of stream. */
    public InputStream data() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new ArchiveFormatException(source + ": archive ends inside an entry at offset " + offset);
                }
                remaining -= n;
                offset += n;
                return n;
            }
        };
    }

    /**
     * Reads the current entry's data whole.
     *
     * @throws ArchiveFormatException when the entry is larger than {@code max}
     */
    public byte[] readData(long max) {
        if (remaining > max) {
            throw new ArchiveFormatException(source + ": entry of " + remaining + " bytes exceeds limit " + max);
        }
        try {
            return data().readNBytes((int) remaining);
        } catch (IOException e) {
            throw new ArchiveFormatException(source + ": I/O error at offset " + offset + ": " + e, e);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private TarEntry entry(byte[] h, char type, long at, String longName, String longLink, long size) {
        String name = longName != null ? longName : ustarName(h);
        String link = longLink != null ? longLink : cString(Arrays.copyOfRange(h, 157, 257));
        var kind = switch (type) {
            case '0', '\0', '7' -> TarEntry.Kind.FILE;
            case '1' -> TarEntry.Kind.HARD_LINK;
            case '2' -> TarEntry.Kind.SYMLINK;
            case '3' -> TarEntry.Kind.CHAR_DEVICE;
            case '4' -> TarEntry.Kind.BLOCK_DEVICE;
            case '5' -> TarEntry.Kind.DIRECTORY;
            case '6' -> TarEntry.Kind.FIFO;
            default -> throw new ArchiveFormatException(source + ": entry \"" + name + "\" at offset " + at
                    + " has unsupported type '" + type + "'");
        };
        int mode = (int) number(h, 100, 8, at, "mode") & 07777;
        int major = (int) number(h, 329, 8, at, "devmajor");
        int minor = (int) number(h, 337, 8, at, "devminor");
        long dataSize = kind == TarEntry.Kind.FILE ? size : 0;
        remaining = dataSize;
        padding = (BLOCK - dataSize % BLOCK) % BLOCK;
        if (kind != TarEntry.Kind.FILE && size > 0) {
            // Some writers give links a size; the data blocks still follow and must be skipped.
            remaining = 0;
            padding = size + (BLOCK - size % BLOCK) % BLOCK;
        }
        return new TarEntry(normalise(name, at), kind, mode, dataSize, link, major, minor);
    }

    private String ustarName(byte[] h) {
        String name = cString(Arrays.copyOfRange(h, 0, 100));
        boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(Arrays.copyOfRange(h, 345, 500)) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private String normalise(String name, long at) {
        var parts = new ArrayList<String>();
        for (String p : name.split("/")) {
            if (p.equals("..")) {
                throw new ArchiveFormatException(source + ": entry \"" + name + "\" at offset " + at
                        + " escapes the archive root");
            }
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    private void verifyChecksum(byte[] h, long at) {
        long stored = number(h, 148, 8, at, "checksum");
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xFF);
        }
        if (sum != stored) {
            throw new ArchiveFormatException(source + ": header at offset " + at + " has checksum " + stored
                    + " but its bytes sum to " + sum);
        }
    }

    /** Octal, NUL/space terminated; or base-256 (GNU) when the top bit of the first byte is set. */
    private long number(byte[] h, int off, int len, long at, String what) {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x3F;
            for (int i = 1; i < len; i++) {
                if (v >>> 55 != 0) {
                    throw new ArchiveFormatException(source + ": header at offset " + at + ": base-256 " + what + " overflows");
                }
                v = v << 8 | (h[off + i] & 0xFF);
            }
            return v;
        }
        String text = new String(h, off, len, StandardCharsets.US_ASCII).replace('\0', ' ').strip();
        if (text.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(text, 8);
        } catch (NumberFormatException e) {
            throw new ArchiveFormatException(source + ": header at offset " + at + ": " + what + " \"" + text
                    + "\" is not an octal number");
        }
    }

    private byte[] readMeta(long size, long at) {
        if (size > MAX_META) {
            throw new ArchiveFormatException(source + ": extended header at offset " + at + " of " + size
                    + " bytes exceeds " + MAX_META);
        }
        byte[] data = new byte[(int) size];
        readFully(data, data.length);
        skip((BLOCK - size % BLOCK) % BLOCK);
        return data;
    }

    /** pax records "LEN key=value\n"; returns {path, linkpath, size}. */
    private String[] parsePax(byte[] data, long at) {
        String[] out = new String[3];
        int p = 0;
        while (p < data.length) {
            int sp = p;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            long len = parseDecimal(new String(data, p, sp - p, StandardCharsets.US_ASCII), at);
            if (len <= sp - p || p + len > data.length) {
                throw new ArchiveFormatException(source + ": pax record at offset " + at + "+" + p + " has bad length " + len);
            }
            String rec = new String(data, sp + 1, (int) (p + len - sp - 2), StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            if (eq > 0) {
                switch (rec.substring(0, eq)) {
                    case "path" -> out[0] = rec.substring(eq + 1);
                    case "linkpath" -> out[1] = rec.substring(eq + 1);
                    case "size" -> out[2] = rec.substring(eq + 1);
                    default -> { }
                }
            }
            p += (int) len;
        }
        return out;
    }

    private long parseDecimal(String text, long at) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ArchiveFormatException(source + ": pax header at offset " + at + ": \"" + text
                    + "\" is not a decimal number");
        }
    }

    private boolean readBlock(byte[] h) {
        try {
            int n = in.readNBytes(h, 0, BLOCK);
            if (n == 0) {
                return false;
            }
            if (n < BLOCK) {
                throw new ArchiveFormatException(source + ": truncated header at offset " + offset + " (" + n + " bytes)");
            }
            offset += BLOCK;
            return true;
        } catch (IOException e) {
            throw new ArchiveFormatException(source + ": I/O error at offset " + offset + ": " + e, e);
        }
    }

    private void readFully(byte[] b, int len) {
        try {
            if (in.readNBytes(b, 0, len) != len) {
                throw new ArchiveFormatException(source + ": archive ends inside an entry at offset " + offset);
            }
            offset += len;
        } catch (IOException e) {
            throw new ArchiveFormatException(source + ": I/O error at offset " + offset + ": " + e, e);
        }
    }

    private void skip(long n) {
        try {
            long left = n;
            while (left > 0) {
                long s = in.skip(left);
                if (s <= 0) {
                    if (in.read() < 0) {
                        throw new ArchiveFormatException(source + ": archive ends inside an entry at offset " + offset);
                    }
                    s = 1;
                }
                left -= s;
                offset += s;
            }
        } catch (IOException e) {
            throw new ArchiveFormatException(source + ": I/O error at offset " + offset + ": " + e, e);
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
