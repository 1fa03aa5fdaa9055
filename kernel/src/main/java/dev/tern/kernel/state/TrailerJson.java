package dev.tern.kernel.state;

import dev.tern.kernel.json.JsonValues;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A saved-state stream's JSON trailer, rendered as text while its sections are written, exactly as
 * {@link JsonValues#writeCompact} renders the trailer's tree (docs/formats/saved-state.md). A schema's
 * JSON is rendered once per record type ({@link RecordSchema#json()}), so finishing a stream joins
 * text: no tree of maps is built and walked in a migration's pause or a checkpoint.
 */
final class TrailerJson {

    /** One entry per section, in the order the sections opened; a live one is completed at its END. */
    private final List<StringBuilder> entries = new ArrayList<>();

    /**
     * A section's entry, opened with its id, kind, name, instance, version and offset, for the
     * caller to append the rest with {@link #field}, {@link #close} and {@link #add} once the
     * section's frame is made (a section refused on the way is not listed).
     */
    static StringBuilder open(int id, String kind, String name, String instance, int version, long offset) {
        StringBuilder e = new StringBuilder(64);
        e.append("{\"id\":").append(id).append(",\"kind\":");
        JsonValues.appendCompact(e, kind);
        e.append(",\"name\":");
        JsonValues.appendCompact(e, name);
        e.append(",\"instance\":");
        JsonValues.appendCompact(e, instance);
        e.append(",\"version\":").append(version).append(",\"offset\":").append(offset);
        return e;
    }

    /** Lists an entry, in the order the sections opened; a live one is completed at its END. */
    void add(StringBuilder entry) {
        entries.add(entry);
    }

    /** Appends {@code ,"key":} to an open entry and returns it, for the value's text. */
    static StringBuilder field(StringBuilder entry, String key) {
        return entry.append(",\"").append(key).append("\":");
    }

    /** Closes an entry. */
    static void close(StringBuilder entry) {
        entry.append('}');
    }

    /** The trailer's UTF-8 bytes: the stream's configuration, then every section's entry. */
    byte[] render(ConfigHeader config) {
        int size = 256;
        for (StringBuilder e : entries) {
            size += e.length() + 1;
        }
        StringBuilder sb = new StringBuilder(size);
        sb.append("{\"format\":").append(StreamFormat.VERSION).append(",\"machine\":");
        JsonValues.appendCompact(sb, config.machineType());
        sb.append(",\"pageSize\":").append(config.pageSize()).append(",\"spi\":");
        JsonValues.appendCompact(sb, config.spiVersion().toString());
        sb.append(",\"regions\":[");
        String sep = "";
        for (RegionLayout r : config.regions()) {
            sb.append(sep).append("{\"name\":");
            JsonValues.appendCompact(sb, r.name());
            sb.append(",\"base\":").append(r.base()).append(",\"size\":").append(r.size())
                    .append(",\"readOnly\":").append(r.readOnly()).append('}');
            sep = ",";
        }
        sb.append("],\"sections\":[");
        sep = "";
        for (StringBuilder e : entries) {
            sb.append(sep).append(e);
            sep = ",";
        }
        sb.append("]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
