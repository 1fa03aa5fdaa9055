package dev.tern.pc.boot.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A Debian binary package: an {@code ar} archive holding {@code debian-binary} ("2.0\n"),
 * {@code control.tar.*} and {@code data.tar.*}. Only the data member is read, streamed so a
 * 300 MB kernel package never sits in memory.
 */
public final class DebPackage {

    /** Receives each data.tar entry; the reader is positioned at the entry's data. */
    @FunctionalInterface
    public interface EntryVisitor {
        /** Called once per entry in archive order. */
        void visit(TarEntry entry, TarReader reader) throws IOException;
    }

    private DebPackage() {
    }

    /**
     * Streams every entry of {@code deb}'s data.tar through {@code visitor}.
     *
     * @throws ArchiveFormatException when the package or its data member is malformed or uses an
     *                                unsupported compression (zstd, bzip2, lzma)
     */
    public static void scanData(Path deb, EntryVisitor visitor) {
        String source = deb.getFileName().toString();
        try (var ar = ArArchive.open(deb)) {
            var version = ar.find("debian-binary").orElseThrow(() ->
                    new ArchiveFormatException(source + ": no debian-binary member; not a .deb"));
            String v = new String(ar.read(version), StandardCharsets.US_ASCII).strip();
            if (!v.startsWith("2.")) {
                throw new ArchiveFormatException(source + ": debian-binary version \"" + v + "\" is not 2.x");
            }
            var data = ar.find("data.tar").orElseThrow(() ->
                    new ArchiveFormatException(source + ": no data.tar member"));
            var compression = TarCompression.ofName(data.name());
            String where = source + ":" + data.name();
            try (var tar = new TarReader(where, compression.decompress(where, ar.open(data)))) {
                for (var e = tar.next(); e.isPresent(); e = tar.next()) {
                    visitor.visit(e.get(), tar);
                }
            }
        } catch (IOException e) {
            throw new ArchiveFormatException(source + ": I/O error: " + e, e);
        }
    }
}
