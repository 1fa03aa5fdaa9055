package dev.tern.kernel.state;

import java.util.Map;

/** One frame read by {@link SavedStateReader}, its CRC already verified. */
public sealed interface Frame {

    /** Stream offset of the frame's kind byte. */
    long offset();

    /**
     * A FULL device section or the START of a live section.
     *
     * @param payloadOffset stream offset of {@code payload[0]}
     * @param crc the stored (and verified) CRC32C of the frame
     */
    record Open(FrameKind kind, int id, String name, String instance, int version, long offset, long payloadOffset,
            byte[] payload, int crc) implements Frame {

        /** A reader over the payload whose messages name this section. */
        PayloadInput input() {
            return new PayloadInput(payload, payloadOffset, SavedStateWriter.describe(name, instance));
        }
    }

    /** A PART or END of a live section opened earlier. */
    record Part(FrameKind kind, int id, String name, String instance, long offset, long payloadOffset, byte[] payload,
            int crc) implements Frame { }

    /**
     * The EOF frame; the trailer after it has been read, checked and parsed.
     *
     * @param trailer the JSON trailer
     */
    record Eof(long offset, Map<String, Object> trailer) implements Frame { }
}
