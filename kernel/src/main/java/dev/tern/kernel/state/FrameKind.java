package dev.tern.kernel.state;

/**
 * The first byte of every frame after the file header. Live sections (RAM) travel as
 * {@link #START}, any number of {@link #PART}s and one {@link #END}; device sections as one
 * {@link #FULL}; {@link #EOF} closes the section list.
 */
public enum FrameKind {
    CONFIG(0x01, 1L << 20),
    START(0x02, StreamLimits.LIVE_PART_BYTES),
    PART(0x03, StreamLimits.LIVE_PART_BYTES),
    END(0x04, StreamLimits.LIVE_PART_BYTES),
    FULL(0x05, StreamLimits.FULL_SECTION_BYTES),
    EOF(0x06, 0);

    private final int code;
    private final long maxPayload;

    FrameKind(int code, long maxPayload) {
        this.code = code;
        this.maxPayload = maxPayload;
    }

    /** The byte in the stream. */
    public int code() {
        return code;
    }

    /** Largest payload a frame of this kind may declare. */
    public long maxPayload() {
        return maxPayload;
    }

    /** Whether the frame header carries a section id, name, instance and version. */
    boolean opensSection() {
        return this == START || this == FULL;
    }

    /** Whether the frame header carries the id of an open live section. */
    boolean continuesSection() {
        return this == PART || this == END;
    }

    static FrameKind ofCode(int code) {
        for (FrameKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
