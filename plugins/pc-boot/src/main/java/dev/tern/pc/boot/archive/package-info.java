/**
 * Readers for the archive formats inside Debian packages: {@link dev.tern.pc.boot.archive.ArArchive}
 * (the outer {@code .deb} container) and {@link dev.tern.pc.boot.archive.TarReader} (its
 * {@code data.tar.*} member, decompressed by {@link dev.tern.pc.boot.archive.TarCompression}).
 * Every length and offset read from an archive is bounds-checked; malformed input raises
 * {@link dev.tern.pc.boot.archive.ArchiveFormatException} naming the member and field.
 */
package dev.tern.pc.boot.archive;
