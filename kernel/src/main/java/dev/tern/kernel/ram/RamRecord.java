package dev.tern.kernel.ram;

import dev.tern.spi.memory.GuestMemory;

/**
 * The records of the RAM page stream, the one format in which snapshots, migration rounds and
 * fault-tolerance checkpoints carry guest RAM. A part of the {@code "ram"} live section is a
 * sequence of records, each starting with 8 big-endian bytes {@code address | kind}: addresses are
 * page aligned, so the low 12 bits carry exactly one kind; control records have address 0.
 *
 * <ul>
 *   <li>{@link #LAYOUT}: the writable regions follow ({@code RamLayout}); the receiver checks they
 *       equal its own and makes its RAM all zeros, which is why no pass ever sends a zero page it
 *       has not sent before;</li>
 *   <li>{@link #ZERO}: the page is all zeros now (it was not, when it was last sent);</li>
 *   <li>{@link #NORMAL}: the 4096 page bytes follow;</li>
 *   <li>{@link #CODECS}: the page codecs the stream uses, by plugin id: {@code u8} count, then each
 *       id as modified UTF-8; their position is the index {@link #ENCODED} names;</li>
 *   <li>{@link #ENCODED}: {@code u8} codec index, {@code u16} length (1..4096), the codec's bytes;
 *       a delta codec's bytes apply to the page the receiver already holds;</li>
 *   <li>{@link #REMOTE}, {@link #REMOTE_RUN}, {@link #REMOTE_SYNC}, {@link #REMOTE_DONE}: pages
 *       written one-sided into the receiver's exposed memory ({@link RemoteRam});</li>
 *   <li>{@link #MULTIFD}: (the main stream's first record) pages travel in the streams of the
 *       multifd channels ({@link PageChannels}), none in this one; the receiver made its RAM zero
 *       before any channel applied a page, and channel streams carry a LAYOUT that is checked,
 *       not cleared again;</li>
 *   <li>{@link #END_OF_PART}: the part ends.</li>
 * </ul>
 *
 * <p>Version 1 streams (snapshots before the one stream) hold only LAYOUT, ZERO, NORMAL and
 * END_OF_PART records, which mean the same in version 2, so they load unchanged.
 */
public final class RamRecord {

    /** The stream version this code writes. */
    public static final int VERSION = 2;
    /** The oldest stream version this code reads. */
    public static final int OLDEST_VERSION = 1;

    public static final int LAYOUT = 0x1;
    public static final int ZERO = 0x2;
    public static final int NORMAL = 0x4;
    public static final int END_OF_PART = 0x8;
    public static final int ENCODED = 0x10;
    public static final int CODECS = 0x20;
    public static final int REMOTE = 0x40;
    public static final int REMOTE_DONE = 0x80;
    public static final int REMOTE_RUN = 0x100;
    public static final int REMOTE_SYNC = 0x200;
    public static final int MULTIFD = 0x400;

    /** Most codecs one stream may name. */
    public static final int MAX_CODECS = 8;

    static final int PAGE = GuestMemory.PAGE_SIZE;
    static final long KIND_MASK = PAGE - 1;

    private RamRecord() {
    }
}
