package dev.tern.pc.boot.archive;

/**
 * One member of an {@code ar} archive, located by offset so large members are never copied.
 *
 * @param name       the member's file name (GNU "/" terminator and BSD "#1/" prefix resolved)
 * @param dataOffset offset of the member's data in the archive
 * @param size       data length in bytes
 * @param mode       Unix mode from the header
 */
public record ArMember(String name, long dataOffset, long size, int mode) {
}
