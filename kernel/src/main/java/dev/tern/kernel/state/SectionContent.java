package dev.tern.kernel.state;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A FULL section's payload decoded by its own schemas, without any class: what the analyzer
 * prints and what the loader matches against target records.
 *
 * @param schema the main record's schema as written
 * @param schemaOffset stream offset of the schema
 * @param values the main record's values
 * @param subsections the subsections present, in stream order
 */
public record SectionContent(RecordSchema schema, long schemaOffset, FieldValues values, List<Part> subsections) {

    /**
     * One subsection.
     *
     * @param offset stream offset of the subsection's name
     */
    public record Part(String name, RecordSchema schema, FieldValues values, long offset) { }

    /** Decodes the payload of a FULL frame, refusing anything left over. */
    static SectionContent decode(Frame.Open frame) throws SavedStateException {
        return decode(frame, null, name -> null);
    }

    /**
     * Decodes the payload of a FULL frame, refusing anything left over; a schema written exactly as
     * {@code expected} (the main record's) or {@code expectedSub} (a subsection's, by name) is taken
     * without parsing it ({@link RecordSchema#read(PayloadInput, RecordSchema)}).
     */
    static SectionContent decode(Frame.Open frame, RecordSchema expected,
            java.util.function.Function<String, RecordSchema> expectedSub) throws SavedStateException {
        PayloadInput in = frame.input();
        long schemaOffset = in.offset();
        RecordSchema schema = RecordSchema.read(in, expected);
        FieldValues values = ValueDecoder.read(schema, in);
        int n = in.count("subsection count", 2, StreamLimits.SUBSECTIONS);
        List<Part> parts = new ArrayList<>(n);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            long at = in.offset();
            String name = in.text("subsection name", StreamLimits.NAME_BYTES);
            if (!names.add(name)) {
                throw new SavedStateException(in.context() + ": subsection '" + name + "' appears twice", at);
            }
            RecordSchema s = RecordSchema.read(in, expectedSub.apply(name));
            parts.add(new Part(name, s, ValueDecoder.read(s, in), at));
        }
        in.expectEnd();
        return new SectionContent(schema, schemaOffset, values, List.copyOf(parts));
    }
}
