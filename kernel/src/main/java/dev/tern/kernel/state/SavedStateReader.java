package dev.tern.kernel.state;

import dev.tern.kernel.json.JsonValues;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Pull parser for a saved-state stream: the constructor reads the file header and configuration,
 * then {@link #next()} returns frames in order until {@link Frame.Eof}, after which the trailer
 * and footer have been verified and the input is known to end there. Every frame's CRC32C, every
 * declared size and the section bookkeeping (ids in order, PART/END only for open live sections,
 * no duplicate name/instance, no live section left open at EOF) are checked; any violation,
 * truncation or I/O failure is a {@link SavedStateException} with the byte offset. Payloads are
 * read incrementally, so a bogus length costs at most the bytes actually present.
 */
public final class SavedStateReader {

    /** Payloads up to this size are read straight into their array (8 MiB: twice the 4 MiB parts senders write). */
    private static final int DIRECT_READ_BYTES = 8 << 20;

    private record OpenSection(String name, String instance, boolean live, long offset) { }

    private final InputStream in;
    private final ConfigHeader config;
    private final PayloadOutput header = new PayloadOutput();
    private final CRC32C crc = new CRC32C();
    private final Map<Integer, OpenSection> liveOpen = new HashMap<>();
    private final Set<String> keys = new HashSet<>();
    private final List<OpenSection> seen = new ArrayList<>();
    private long position;
    /** The stored CRC of the frame {@link #payload} read last. */
    private int lastCrc;
    private int nextId = 1;
    private boolean ended;

    /** Reads and checks the file header and configuration frame. */
    public SavedStateReader(InputStream in) throws SavedStateException {
        this.in = new BufferedInputStream(Objects.requireNonNull(in, "in"), 1 << 16);
        byte[] magic = exact(StreamFormat.MAGIC.length, "file magic");
        if (!Arrays.equals(magic, StreamFormat.MAGIC)) {
            throw new SavedStateException("not a Tern saved-state stream: bad magic", 0);
        }
        int version = u16("format version");
        if (version != StreamFormat.VERSION) {
            throw new SavedStateException("format version " + version + " is not supported (this reader reads "
                    + StreamFormat.VERSION + ")", 8);
        }
        int flags = u16("header flags");
        if (flags != 0) {
            throw new SavedStateException("unknown header flags 0x" + Integer.toHexString(flags), 10);
        }
        long at = position;
        header.reset();
        int kind = headerU8("frame kind");
        if (kind != FrameKind.CONFIG.code()) {
            throw new SavedStateException("expected the configuration frame, found frame kind 0x"
                    + Integer.toHexString(kind), at);
        }
        byte[] payload = payload(FrameKind.CONFIG, "configuration", at);
        this.config = ConfigHeader.read(new PayloadInput(payload, position - payload.length - 4, "configuration"));
    }

    /** The configuration header. */
    public ConfigHeader config() {
        return config;
    }

    /** Bytes consumed so far. */
    public long position() {
        return position;
    }

    /**
     * The next frame.
     *
     * @throws IllegalStateException when called after {@link Frame.Eof} was returned
     */
    public Frame next() throws SavedStateException {
        if (ended) {
            throw new IllegalStateException("the stream already ended");
        }
        long at = position;
        header.reset();
        int code = headerU8("frame kind");
        FrameKind kind = FrameKind.ofCode(code);
        if (kind == null || kind == FrameKind.CONFIG) {
            throw new SavedStateException("unknown or misplaced frame kind 0x" + Integer.toHexString(code), at);
        }
        if (kind.opensSection()) {
            return open(kind, at);
        }
        if (kind.continuesSection()) {
            return part(kind, at);
        }
        payload(FrameKind.EOF, "end of sections", at);
        if (!liveOpen.isEmpty()) {
            OpenSection s = liveOpen.values().iterator().next();
            throw new SavedStateException(SavedStateWriter.describe(s.name(), s.instance())
                    + ": live section not ended before EOF", at);
        }
        ended = true;
        return new Frame.Eof(at, trailer());
    }

    private Frame.Open open(FrameKind kind, long at) throws SavedStateException {
        int id = headerI32("section id");
        String name = headerText("section name");
        String instance = headerText("section instance");
        int version = headerI32("section version");
        String where = SavedStateWriter.describe(name, instance);
        if (id != nextId) {
            throw new SavedStateException(where + ": section id " + id + " out of order (expected " + nextId + ")", at);
        }
        if (seen.size() >= StreamLimits.SECTIONS) {
            throw new SavedStateException("more than " + StreamLimits.SECTIONS + " sections", at);
        }
        if (!keys.add(name + '\0' + instance)) {
            throw new SavedStateException(where + ": appears twice", at);
        }
        byte[] payload = payload(kind, where, at);
        int stored = lastCrc;
        nextId++;
        OpenSection s = new OpenSection(name, instance, kind == FrameKind.START, at);
        seen.add(s);
        if (kind == FrameKind.START) {
            liveOpen.put(id, s);
        }
        return new Frame.Open(kind, id, name, instance, version, at, position - payload.length - 4, payload, stored);
    }

    private Frame.Part part(FrameKind kind, long at) throws SavedStateException {
        int id = headerI32("section id");
        OpenSection s = liveOpen.get(id);
        if (s == null) {
            throw new SavedStateException(kind + " frame for section id " + id + ", which is not an open live section", at);
        }
        byte[] payload = payload(kind, SavedStateWriter.describe(s.name(), s.instance()), at);
        if (kind == FrameKind.END) {
            liveOpen.remove(id);
        }
        return new Frame.Part(kind, id, s.name(), s.instance(), at, position - payload.length - 4, payload, lastCrc);
    }

    /** Reads length, payload and CRC of the frame whose header bytes are in {@link #header}. */
    private byte[] payload(FrameKind kind, String where, long frameOffset) throws SavedStateException {
        long lenAt = position;
        int len = headerI32("payload length");
        if (len < 0 || len > kind.maxPayload()) {
            throw new SavedStateException(where + ": " + kind + " payload length " + Integer.toUnsignedString(len)
                    + " exceeds the limit of " + kind.maxPayload(), lenAt);
        }
        byte[] payload = exact(len, where + " " + kind + " payload");
        long crcAt = position;
        int stored = (int) readFixed(4, where + " CRC");
        crc.reset();
        crc.update(header.array(), 0, header.size());
        crc.update(payload);
        int computed = (int) crc.getValue();
        if (stored != computed) {
            throw new SavedStateException(String.format("%s: %s frame starting at byte %d has CRC32C 0x%08x, computed"
                    + " 0x%08x", where, kind, frameOffset, stored, computed), crcAt);
        }
        lastCrc = stored;
        return payload;
    }

    private Map<String, Object> trailer() throws SavedStateException {
        long trailerOffset = position;
        int len = (int) readFixed(4, "trailer length");
        if (len < 0 || len > StreamLimits.TRAILER_BYTES) {
            throw new SavedStateException("trailer length " + Integer.toUnsignedString(len) + " exceeds the limit of "
                    + StreamLimits.TRAILER_BYTES, trailerOffset);
        }
        byte[] json = exact(len, "trailer");
        long crcAt = position;
        int stored = (int) readFixed(4, "trailer CRC");
        crc.reset();
        crc.update(json);
        if (stored != (int) crc.getValue()) {
            throw new SavedStateException(String.format("trailer CRC32C 0x%08x, computed 0x%08x", stored,
                    (int) crc.getValue()), crcAt);
        }
        long footerAt = position;
        long pointer = readFixed(8, "footer");
        byte[] magic = exact(StreamFormat.FOOTER_MAGIC.length, "footer magic");
        if (pointer != trailerOffset || !Arrays.equals(magic, StreamFormat.FOOTER_MAGIC)) {
            throw new SavedStateException("footer does not point back at the trailer (says byte " + pointer
                    + ", trailer is at " + trailerOffset + ") or has a bad magic", footerAt);
        }
        if (moreInput()) {
            throw new SavedStateException("trailing garbage after the footer", position);
        }
        Map<String, Object> parsed = parseTrailer(json, trailerOffset + 4);
        checkTrailerAgrees(parsed, trailerOffset);
        return parsed;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseTrailer(byte[] json, long at) throws SavedStateException {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(json)).toString();
            if (!(JsonValues.parse(text) instanceof Map<?, ?> m)) {
                throw new SavedStateException("trailer is not a JSON object", at);
            }
            return (Map<String, Object>) m;
        } catch (CharacterCodingException e) {
            throw new SavedStateException("trailer is not valid UTF-8", at);
        } catch (IllegalArgumentException e) {
            throw new SavedStateException("trailer: " + e.getMessage(), at);
        }
    }

    /** The trailer must describe the sections actually read, so tools relying on it see the truth. */
    private void checkTrailerAgrees(Map<String, Object> trailer, long at) throws SavedStateException {
        if (!(trailer.get("sections") instanceof List<?> list) || list.size() != seen.size()) {
            throw new SavedStateException("trailer does not list the " + seen.size() + " sections of the stream", at);
        }
        for (int i = 0; i < list.size(); i++) {
            OpenSection s = seen.get(i);
            if (!(list.get(i) instanceof Map<?, ?> m) || !s.name().equals(m.get("name"))
                    || !s.instance().equals(m.get("instance")) || !Long.valueOf(s.offset()).equals(m.get("offset"))) {
                throw new SavedStateException("trailer entry " + i + " does not match "
                        + SavedStateWriter.describe(s.name(), s.instance()) + " at byte " + s.offset(), at);
            }
        }
    }

    private boolean moreInput() throws SavedStateException {
        try {
            return in.read() != -1;
        } catch (IOException e) {
            throw new SavedStateException("read failed: " + e.getMessage(), position, e);
        }
    }

    private int headerU8(String what) throws SavedStateException {
        int v = (int) readFixed(1, what);
        header.u8(v);
        return v;
    }

    private int headerI32(String what) throws SavedStateException {
        int v = (int) readFixed(4, what);
        header.i32(v);
        return v;
    }

    private String headerText(String what) throws SavedStateException {
        long at = position;
        int len = 0;
        for (int i = 0; ; i++) {
            int b = headerU8(what + " length");
            len |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (i == 1 && b == 0) {
                    throw new SavedStateException(what + " length has an over-long encoding", at);
                }
                break;
            }
            if (i == 1) {
                throw new SavedStateException(what + " length exceeds " + StreamLimits.NAME_BYTES, at);
            }
        }
        if (len == 0 || len > StreamLimits.NAME_BYTES) {
            throw new SavedStateException(what + " length " + len + " not in [1, " + StreamLimits.NAME_BYTES + "]", at);
        }
        byte[] b = exact(len, what);
        header.write(b, 0, b.length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new SavedStateException(what + " is not valid UTF-8", at);
        }
    }

    private int u16(String what) throws SavedStateException {
        return (int) readFixed(2, what);
    }

    private long readFixed(int n, String what) throws SavedStateException {
        byte[] b = exact(n, what);
        long v = 0;
        for (byte x : b) {
            v = v << 8 | (x & 0xFF);
        }
        return v;
    }

    private byte[] exact(int n, String what) throws SavedStateException {
        try {
            // A payload up to a sender's usual part size is read into its array at once;
            // readNBytes(n) would gather it in 16 KiB chunks, then copy them. A larger one (a
            // length a hostile stream may claim) grows only as its bytes arrive.
            byte[] b = n <= DIRECT_READ_BYTES ? new byte[n] : in.readNBytes(n);
            int got = n <= DIRECT_READ_BYTES ? in.readNBytes(b, 0, n) : b.length;
            if (got < n) {
                throw new SavedStateException("truncated: " + what + " needs " + n + " bytes, the stream ends after "
                        + got, position + got);
            }
            position += n;
            return b;
        } catch (SavedStateException e) {
            throw e;
        } catch (IOException e) {
            throw new SavedStateException("reading " + what + " failed: " + e.getMessage(), position, e);
        }
    }
}
