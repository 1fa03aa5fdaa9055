package dev.tern.kernel.migration;

/**
 * The message kinds of the migration wire. Every message is {@code u8 kind, i32 length, payload}.
 * Source to destination: {@link #DATA}, {@link #STREAM_END}, {@link #ABORT}, {@link #COMMIT},
 * {@link #MULTIFD} (main connection) and {@link #CHANNEL} (first message of a multifd channel);
 * destination to source: {@link #APPLIED}, {@link #READY}, {@link #REFUSED}; post-copy adds
 * {@link #POSTCOPY}, {@link #PAGE}, {@link #POSTCOPY_END} and, back, {@link #PAGE_REQUEST},
 * {@link #POSTCOPY_DONE} (docs/protocols/migration.md, "Post-copy"). (Code 0x12, a destination
 * cost report, is retired.)
 */
enum WireMessage {
    /** Bytes of the current saved-state stream. */
    DATA(1),
    /** The current saved-state stream is complete. */
    STREAM_END(2),
    /** The source gives up; the payload is the reason in UTF-8. */
    ABORT(3),
    /** The source has stopped for good: the destination may run the guest. */
    COMMIT(4),
    /**
     * Multifd: the first message on the main connection, before any stream; the payload
     * ({@link MultifdSession}) names the channel count and the migration's random id.
     */
    MULTIFD(5),
    /**
     * Multifd: the first message of a channel connection, naming the migration id and the channel
     * index; the destination echoes it back once it has taken the channel.
     */
    CHANNEL(6),
    /**
     * Post-copy: between the RAM stream and the device stream, the pages the destination does not
     * have yet, as runs {@code u64 first page, u32 count} in ascending order (one message or more).
     */
    POSTCOPY(7),
    /** Post-copy, after {@link #COMMIT}: one page, {@code u64 page number} then 4096 bytes (none: a zero page). */
    PAGE(8),
    /** Post-copy: every missing page has been sent. */
    POSTCOPY_END(9),
    /**
     * Post-copy recovery: the first message of the source's new connection to a paused
     * destination (empty); the destination answers {@link #POSTCOPY_MISSING} and {@link #POSTCOPY_RESUMED}.
     */
    POSTCOPY_RESUME(0x0A),
    /**
     * The destination has verified and applied everything and waits for {@link #COMMIT}; the
     * payload is the nanoseconds applying took, as decimal text.
     */
    READY(0x10),
    /** The destination refuses the stream; the payload is the reason in UTF-8. */
    REFUSED(0x11),
    /** One-sided RAM: everything the source announced so far is in guest RAM (answers a round's sync). */
    APPLIED(0x13),
    /** Post-copy: the guest wants page {@code u64 page number} now. */
    PAGE_REQUEST(0x14),
    /** Post-copy: every page is here; the source may let go. */
    POSTCOPY_DONE(0x15),
    /**
     * Post-copy: {@code u64} page messages received so far; the source keeps its unasked pages at
     * most a small window ahead of it, so an asked-for page never queues behind megabytes of them.
     */
    RECEIVED(0x16),
    /**
     * Post-copy recovery: pages the destination still lacks, as {@link #POSTCOPY}'s runs (one
     * message or more); the source sends exactly these again, whatever it sent before.
     */
    POSTCOPY_MISSING(0x17),
    /** Post-copy recovery: the missing list is complete; pages and requests flow again. */
    POSTCOPY_RESUMED(0x18);

    /** Largest payload of any message; bounds what a hostile peer can make the reader allocate. */
    static final int MAX_PAYLOAD = 1 << 20;

    private final int code;

    WireMessage(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    static WireMessage ofCode(int code) {
        for (WireMessage m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        return null;
    }
}
