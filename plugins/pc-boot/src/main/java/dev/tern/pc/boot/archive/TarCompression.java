package dev.tern.pc.boot.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * How a {@code data.tar.*} member of a {@code .deb} is compressed, chosen by its name suffix as
 * dpkg does. zstd, bzip2 and lzma are recognised only to give a clear error: Tern may use no
 * zstd library, and Debian's own packages use xz.
 */
public enum TarCompression {
    /** {@code .tar}. */
    NONE(".tar"),
    /** {@code .tar.xz}. */
    XZ(".tar.xz"),
    /** {@code .tar.gz}. */
    GZIP(".tar.gz"),
    /** {@code .tar.zst}. */
    ZSTD(".tar.zst"),
    /** {@code .tar.bz2}. */
    BZIP2(".tar.bz2"),
    /** {@code .tar.lzma}. */
    LZMA(".tar.lzma");

    private final String suffix;

    TarCompression(String suffix) {
        this.suffix = suffix;
    }

    /**
     * The compression a member name implies.
     *
     * @throws ArchiveFormatException when the name is not a tar name
     */
    public static TarCompression ofName(String name) {
        for (var c : values()) {
            if (name.endsWith(c.suffix)) {
                return c;
            }
        }
        throw new ArchiveFormatException("\"" + name + "\" is not a .tar, .tar.xz, .tar.gz, .tar.zst, .tar.bz2 "
                + "or .tar.lzma member");
    }

    /**
     * Wraps {@code in} with a decompressor.
     *
     * @throws ArchiveFormatException for zstd, bzip2 and lzma, which Tern cannot decompress
     */
    public InputStream decompress(String source, InputStream in) {
        try {
            var buffered = new BufferedInputStream(in, 1 << 16);
            return switch (this) {
                case NONE -> buffered;
                case XZ -> new XZInputStream(buffered);
                case GZIP -> new GZIPInputStream(buffered, 1 << 16);
                case ZSTD -> throw new ArchiveFormatException(source + ": zstd compression is unsupported (Tern may "
                        + "use no zstd library); repack the package with xz, e.g. dpkg-deb -Zxz");
                case BZIP2, LZMA -> throw new ArchiveFormatException(source + ": " + name()
                        + " compression is unsupported; repack the package with xz");
            };
        } catch (IOException e) {
            throw new ArchiveFormatException(source + ": bad " + name() + " stream header: " + e.getMessage(), e);
        }
    }
}
