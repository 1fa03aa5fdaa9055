package dev.tern.pc.boot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.tukaani.xz.SingleXZInputStream;

/**
 * The compression of a bzImage payload, recognised by its leading magic bytes. Only XZ (Debian's
 * choice) and gzip are decompressed; the others are recognised so the error can name them.
 */
public enum PayloadCompression {
    /** {@code FD 37 7A 58 5A 00}. */
    XZ(true, 0xFD, '7', 'z', 'X', 'Z', 0x00),
    /** {@code 1F 8B}. */
    GZIP(true, 0x1F, 0x8B),
    /** {@code 7F 'E' 'L' 'F'}: an uncompressed vmlinux. */
    NONE(true, 0x7F, 'E', 'L', 'F'),
    /** Classic LZMA-alone header: properties byte 0x5D and a 32-bit dictionary size. */
    LZMA(false, 0x5D, 0x00, 0x00),
    /** {@code "BZh"}. */
    BZIP2(false, 'B', 'Z', 'h'),
    /** lzop's {@code 89 'L' 'Z' 'O'}. */
    LZO(false, 0x89, 'L', 'Z', 'O'),
    /** LZ4 legacy frame {@code 02 21 4C 18}. */
    LZ4(false, 0x02, 0x21, 0x4C, 0x18),
    /** {@code 28 B5 2F FD}. */
    ZSTD(false, 0x28, 0xB5, 0x2F, 0xFD);

    /** Refuse to inflate beyond this: a bomb must not exhaust the host heap. */
    static final int MAX_OUTPUT = 512 << 20;

    private final boolean supported;
    private final int[] magic;

    PayloadCompression(boolean supported, int... magic) {
        this.supported = supported;
        this.magic = magic;
    }

    /** Whether {@link #decompress} can handle this format. */
    public boolean supported() {
        return supported;
    }

    /**
     * Recognises the format of {@code len} bytes at {@code off}.
     *
     * @throws InvalidImageException when no known magic matches
     */
    public static PayloadCompression detect(String source, byte[] data, int off, int len) {
        for (var c : values()) {
            if (c.matches(data, off, len)) {
                return c;
            }
        }
        throw new InvalidImageException(String.format("%s: unknown compression (payload starts %s)",
                source, hex(data, off, Math.min(len, 8))));
    }

    private boolean matches(byte[] data, int off, int len) {
        if (len < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((data[off + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decompresses one stream; trailing bytes (the kernel build appends the uncompressed size) are
     * ignored.
     *
     * @throws InvalidImageException for unsupported formats, corrupt data or output over 512 MiB
     */
    public byte[] decompress(String source, byte[] data, int off, int len) {
        try {
            return switch (this) {
                case NONE -> java.util.Arrays.copyOfRange(data, off, off + len);
                case XZ -> drain(source, new SingleXZInputStream(new ByteArrayInputStream(data, off, len)));
                case GZIP -> gunzip(source, data, off, len);
                default -> throw new InvalidImageException(source + ": unsupported compression " + name()
                        + " (only XZ and gzip payloads can be decompressed)");
            };
        } catch (IOException e) {
            throw new InvalidImageException(source + ": corrupt " + name() + " payload: " + e.getMessage(), e);
        }
    }

    private static byte[] drain(String source, InputStream in) throws IOException {
        try (in) {
            var out = new ByteArrayOutputStream(1 << 20);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (out.size() + n > MAX_OUTPUT) {
                    throw new InvalidImageException(source + ": payload inflates beyond " + MAX_OUTPUT + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** Gzip member header (RFC 1952) then raw deflate; stops at the end of the deflate stream. */
    private static byte[] gunzip(String source, byte[] data, int off, int len) throws IOException {
        int end = off + len;
        if (len < 18 || data[off + 2] != 8) {
            throw new IOException("gzip header truncated or method " + (len > 2 ? data[off + 2] : -1) + " is not deflate");
        }
        int flags = data[off + 3] & 0xFF;
        int p = off + 10;
        if ((flags & 0x04) != 0) {
            if (p + 2 > end) {
                throw new IOException("gzip FEXTRA length runs past the payload end");
            }
            p += 2 + ((data[p] & 0xFF) | (data[p + 1] & 0xFF) << 8);
        }
        if ((flags & 0x08) != 0 && p < end) {
            p = skipZeroTerminated(data, p, end);
        }
        if ((flags & 0x10) != 0 && p < end) {
            p = skipZeroTerminated(data, p, end);
        }
        if ((flags & 0x02) != 0) {
            p += 2;
        }
        if (p >= end) {
            throw new IOException("gzip header runs past the payload end");
        }
        return inflate(source, data, p, end - p);
    }

    private static int skipZeroTerminated(byte[] data, int p, int end) throws IOException {
        while (p < end && data[p] != 0) {
            p++;
        }
        if (p >= end) {
            throw new IOException("unterminated gzip header string");
        }
        return p + 1;
    }

    private static byte[] inflate(String source, byte[] data, int off, int len) throws IOException {
        var inflater = new Inflater(true);
        try {
            inflater.setInput(data, off, len);
            var out = new ByteArrayOutputStream(1 << 20);
            byte[] buf = new byte[1 << 16];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IOException("deflate stream truncated");
                }
                if (out.size() + n > MAX_OUTPUT) {
                    throw new InvalidImageException(source + ": payload inflates beyond " + MAX_OUTPUT + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    private static String hex(byte[] data, int off, int len) {
        var sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            sb.append(String.format(i == 0 ? "%02X" : " %02X", data[off + i]));
        }
        return sb.toString();
    }
}
