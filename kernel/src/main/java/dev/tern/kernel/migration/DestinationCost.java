package dev.tern.kernel.migration;


/**
 * What switching over costs the destination beyond the wire: loading the device state, applying
 * each last page, and a fixed part. The source estimates it from its own mirror-image work (encoding
 * the device state, encoding the last round's pages), so no handshake delays the migration's start.
 *
 * @param deviceNanos loading every device section
 * @param pageNanos applying one received page
 * @param fixedNanos work independent of the page count
 */
public record DestinationCost(long deviceNanos, double pageNanos, long fixedNanos) {

    /** A destination that cannot tell (a one-way transport): only the wire counts. */
    public static final DestinationCost UNKNOWN = new DestinationCost(0, 0, 0);

    public DestinationCost {
        if (deviceNanos < 0 || !(pageNanos >= 0) || Double.isInfinite(pageNanos) || fixedNanos < 0) {
            throw new IllegalArgumentException("destination cost must be finite and >= 0: device " + deviceNanos
                    + " ns, page " + pageNanos + " ns, fixed " + fixedNanos + " ns");
        }
    }

    /** Nanoseconds the destination needs to apply {@code pages} last pages and the device state. */
    public long nanosFor(long pages) {
        return deviceNanos + fixedNanos + (long) Math.ceil(pageNanos * pages);
    }
}
