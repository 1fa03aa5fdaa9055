package dev.tern.kernel.state;

import dev.tern.spi.state.StateSection;

import java.util.Map;
import java.util.zip.CRC32C;

/**
 * One device section on its own, encoded exactly as the FULL frame a {@link SavedStateWriter}
 * writes when it is the stream's first section (id 1): kind, id, name, instance, version, payload
 * length, payload (schema, values, needed subsections) and CRC32C. This is the unit the golden
 * encoding tests pin down per section, and what an accidental format change alters.
 */
public final class SectionFrame {

    private static final int FIRST_ID = 1;

    private SectionFrame() {
    }

    /** Saves {@code section} and returns its frame. */
    public static <S extends Record> byte[] encode(StateSection<S> section) {
        String where = SavedStateWriter.describe(section.name(), section.instance());
        PayloadOutput payload = SavedStateWriter.sectionPayload(section, null, where);
        PayloadOutput frame = new PayloadOutput();
        SavedStateWriter.openingHeader(frame, FrameKind.FULL, FIRST_ID, section.name(), section.instance(),
                section.version());
        frame.i32(payload.size());
        frame.write(payload.array(), 0, payload.size());
        CRC32C crc = new CRC32C();
        crc.update(frame.array(), 0, frame.size());
        frame.i32((int) crc.getValue());
        return frame.toByteArray();
    }

    /**
     * Decodes {@code frame}, upgrades it if it is older than the section (through
     * {@link StateSection#upgrader()}), validates it and only then loads it and its subsections.
     *
     * @throws SavedStateException naming the section and byte offset when the frame is malformed,
     *         corrupt, for another section, outside the version window, or refused
     */
    public static <S extends Record> void load(StateSection<S> section, byte[] frame) throws SavedStateException {
        SnapshotLoader.prepare(section, read(frame, section), Map.of()).apply();
    }

    private static Frame.Open read(byte[] bytes, StateSection<?> section) throws SavedStateException {
        String where = SavedStateWriter.describe(section.name(), section.instance());
        PayloadInput in = new PayloadInput(bytes, 0, where + " frame");
        int kind = in.u8("frame kind");
        if (kind != FrameKind.FULL.code()) {
            throw new SavedStateException(where + ": frame kind 0x" + Integer.toHexString(kind) + " is not FULL", 0);
        }
        int id = in.i32("section id");
        String name = in.text("section name", StreamLimits.NAME_BYTES);
        String instance = in.text("section instance", StreamLimits.NAME_BYTES);
        if (!name.equals(section.name()) || !instance.equals(section.instance())) {
            throw new SavedStateException(where + ": frame is for " + SavedStateWriter.describe(name, instance), 5);
        }
        int version = in.i32("section version");
        long lengthAt = in.offset();
        int length = in.i32("payload length");
        if (length < 0 || length > in.remaining() - 4) {
            throw new SavedStateException(where + ": payload length " + Integer.toUnsignedString(length) + " but "
                    + Math.max(0, in.remaining() - 4) + " bytes follow", lengthAt);
        }
        long payloadAt = in.offset();
        byte[] payload = in.bytes(length, "payload");
        int stored = in.i32("CRC");
        in.expectEnd();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if (stored != (int) crc.getValue()) {
            throw new SavedStateException(String.format("%s: frame CRC32C 0x%08x, computed 0x%08x", where, stored,
                    (int) crc.getValue()), bytes.length - 4);
        }
        return new Frame.Open(FrameKind.FULL, id, name, instance, version, 0, payloadAt, payload, stored);
    }
}
