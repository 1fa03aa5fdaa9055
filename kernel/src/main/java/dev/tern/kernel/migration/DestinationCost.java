package dev.tern.kernel.migration;

import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What switching over costs the destination beyond the wire: loading the device state, applying
 * each last page, and a fixed part (copying one-sided RAM into the guest's RAM). The destination
 * measures it on itself before the first round and sends it in {@link WireMessage#COST}, so the
 * source's downtime estimate includes it from the start.
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

    /** The payload of {@link WireMessage#COST}. */
    String encode() {
        return String.format(Locale.ROOT, "device-ns=%d page-ns=%.3f fixed-ns=%d", deviceNanos, pageNanos, fixedNanos);
    }

    /** Parses a {@link WireMessage#COST} payload; names what is wrong in a malformed one. */
    static DestinationCost parse(String text) throws IOException {
        Map<String, String> fields = new HashMap<>();
        for (String field : text.strip().split("\\s+")) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw new IOException("migration wire: COST field '" + field + "' is not NAME=VALUE");
            }
            fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
        try {
            return new DestinationCost(Long.parseLong(require(fields, "device-ns")),
                    Double.parseDouble(require(fields, "page-ns")), Long.parseLong(require(fields, "fixed-ns")));
        } catch (IllegalArgumentException e) {
            throw new IOException("migration wire: bad COST '" + text + "': " + e.getMessage(), e);
        }
    }

    private static String require(Map<String, String> fields, String name) throws IOException {
        String v = fields.get(name);
        if (v == null) {
            throw new IOException("migration wire: COST lacks " + name);
        }
        return v;
    }
}
