package dev.tern.kernel.state;

/**
 * Upper bounds on every size a saved-state stream declares, checked before anything is allocated
 * so a hostile stream is refused instead of exhausting memory.
 */
public final class StreamLimits {

    /** Largest payload of one device ({@code FULL}) section. */
    public static final long FULL_SECTION_BYTES = 64L << 20;
    /** Largest payload of one live ({@code START/PART/END}) frame; writers split RAM below this. */
    public static final long LIVE_PART_BYTES = 256L << 20;
    /** Longest section name or instance, in UTF-8 bytes. */
    public static final int NAME_BYTES = 255;
    /** Most sections one stream may hold. */
    public static final int SECTIONS = 1 << 16;
    /** Most subsections one section may hold. */
    public static final int SUBSECTIONS = 64;
    /** Most RAM regions in the configuration header. */
    public static final int REGIONS = 64;
    /**
     * Most values (record fields and list elements, counted recursively) in one device section, so
     * a few bytes of lists of empty records cannot expand into millions of objects.
     */
    public static final int VALUES_PER_SECTION = 1 << 20;
    /** Largest JSON trailer. */
    public static final int TRAILER_BYTES = 16 << 20;

    private StreamLimits() { }
}
