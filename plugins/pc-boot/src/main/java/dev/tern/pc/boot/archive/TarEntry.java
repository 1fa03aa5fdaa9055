package dev.tern.pc.boot.archive;

/**
 * One tar member's metadata.
 *
 * @param path       normalised relative path without a leading "./" or "/" ("" for the root)
 * @param kind       what the member is
 * @param mode       permission bits (the low 12 bits of the header mode)
 * @param size       data bytes that follow the header (0 except for regular files)
 * @param linkTarget symlink or hard-link target, "" otherwise
 * @param devMajor   device major number for device nodes
 * @param devMinor   device minor number for device nodes
 */
public record TarEntry(String path, Kind kind, int mode, long size, String linkTarget, int devMajor, int devMinor) {

    /** Member types (POSIX ustar typeflag). */
    public enum Kind {
        /** '0' or NUL. */
        FILE,
        /** '1': data is the link target's. */
        HARD_LINK,
        /** '2'. */
        SYMLINK,
        /** '3'. */
        CHAR_DEVICE,
        /** '4'. */
        BLOCK_DEVICE,
        /** '5'. */
        DIRECTORY,
        /** '6'. */
        FIFO
    }
}
