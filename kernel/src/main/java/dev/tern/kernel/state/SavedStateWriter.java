package dev.tern.kernel.state;

import dev.tern.kernel.json.JsonValues;
import dev.tern.spi.state.LiveSection;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Writes a saved-state stream: header and configuration on construction, then device sections
 * ({@link #writeSection}) and live sections ({@link #startLive}/{@link #iterateLive}/{@link #endLive},
 * or {@link #writeLive} for a whole snapshot pass) in any interleaving, then {@link #finish()}
 * writes the EOF frame, the JSON trailer and the footer. Call with the machine paused for device
 * sections. Not thread-safe. Misuse (a duplicate section, a null field) throws
 * {@link IllegalArgumentException} or {@link IllegalStateException} naming the section.
 *
 * <p>An {@link #overlapped} writer writes each live part on a helper thread while the caller
 * fills the next one (two part buffers in turn), so encoding RAM and the write system calls
 * overlap. The stream's bytes are the same; only {@link #finish()} (or any non-live frame) waits
 * for the pending write, so the underlying stream must not be touched by anyone else until then.
 */
public final class SavedStateWriter {

    private static final class LiveEntry {
        final int id;
        final StringBuilder json;
        long bytes;
        int parts;

        LiveEntry(int id, StringBuilder json) {
            this.id = id;
            this.json = json;
        }
    }

    private final OutputStream out;
    private final ConfigHeader config;
    private final PayloadOutput frameHeader = new PayloadOutput();
    private final CRC32C crc = new CRC32C();
    private final TrailerJson trailer = new TrailerJson();
    private final Set<String> keys = new HashSet<>();
    private final Map<LiveSection, LiveEntry> live = new IdentityHashMap<>();
    private final PartOutput[] parts = {new PartOutput(new PayloadOutput()), new PartOutput(new PayloadOutput())};
    private final boolean overlapped;
    private int nextPart;
    private Thread pendingWrite;
    private volatile Throwable writeFailure;
    private long position;
    private int nextId = 1;
    private boolean finished;

    /** Writes the file header and the configuration frame to {@code out}. */
    public SavedStateWriter(OutputStream out, ConfigHeader config) throws IOException {
        this(out, config, false);
    }

    /**
     * A writer whose live parts are written on a helper thread, overlapping the caller's encoding
     * of the next part. For snapshots to files; not for callers that measure the underlying
     * stream between parts.
     */
    public static SavedStateWriter overlapped(OutputStream out, ConfigHeader config) throws IOException {
        return new SavedStateWriter(out, config, true);
    }

    private SavedStateWriter(OutputStream out, ConfigHeader config, boolean overlapped) throws IOException {
        this.overlapped = overlapped;
        this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), 1 << 16);
        this.config = Objects.requireNonNull(config, "config");
        PayloadOutput h = new PayloadOutput();
        h.write(StreamFormat.MAGIC, 0, StreamFormat.MAGIC.length);
        h.u16(StreamFormat.VERSION);
        h.u16(0);
        emit(h.array(), h.size());
        PayloadOutput c = new PayloadOutput();
        config.write(c);
        frame(FrameKind.CONFIG, c.array(), c.size());
    }

    /** Bytes written so far. */
    public long position() {
        return position;
    }

    /** Saves one device section as a FULL frame, with the subsections that are needed. */
    public <S extends Record> void writeSection(StateSection<S> section) throws IOException {
        checkOpen();
        String where = describe(section.name(), section.instance());
        claim(section.name(), section.instance(), where);
        StringBuilder json = TrailerJson.open(nextId, "full", section.name(), section.instance(), section.version(),
                position);
        PayloadOutput p = sectionPayload(section, json, where);
        TrailerJson.field(json, "bytes").append(p.size());
        TrailerJson.close(json);
        trailer.add(json);
        openingFrame(FrameKind.FULL, nextId++, section.name(), section.instance(), section.version(), p);
    }

    /** Sends a live section's setup part (START frame); returns its section id. */
    public int startLive(LiveSection section) throws IOException {
        checkOpen();
        if (live.containsKey(section)) {
            throw new IllegalStateException(describe(section.name(), section.instance()) + " already started");
        }
        String where = describe(section.name(), section.instance());
        claim(section.name(), section.instance(), where);
        PayloadOutput p = new PayloadOutput();
        section.setup(new PartOutput(p));
        checkSize(FrameKind.START, p.size(), where);
        LiveEntry e = new LiveEntry(nextId, TrailerJson.open(nextId, "live", section.name(), section.instance(),
                section.version(), position));
        nextId++;
        live.put(section, e);
        trailer.add(e.json);
        e.bytes += p.size();
        e.parts++;
        openingFrame(FrameKind.START, e.id, section.name(), section.instance(), section.version(), p);
        return e.id;
    }

    /**
     * Sends one PART of a started live section, about {@code maxBytes} at most (capped so the frame
     * stays under {@link StreamLimits#LIVE_PART_BYTES}).
     *
     * @return true when the section has nothing more pending
     */
    public boolean iterateLive(LiveSection section, long maxBytes) throws IOException {
        LiveEntry e = openLive(section);
        PartOutput part = nextPart();
        boolean done = section.iterate(part, Math.min(maxBytes, StreamLimits.LIVE_PART_BYTES / 2));
        livePart(FrameKind.PART, e, part.payload(), section);
        return done;
    }

    /** Sends the END part (everything still pending; the guest is paused) and closes the section. */
    public void endLive(LiveSection section) throws IOException {
        LiveEntry e = openLive(section);
        PartOutput part = nextPart();
        section.complete(part);
        livePart(FrameKind.END, e, part.payload(), section);
        live.remove(section);
        TrailerJson.field(e.json, "bytes").append(e.bytes);
        TrailerJson.field(e.json, "parts").append(e.parts);
        TrailerJson.close(e.json);
    }

    /** A whole snapshot pass: START, PARTs of about {@code partBytes} until nothing is pending, END. */
    public void writeLive(LiveSection section, long partBytes) throws IOException {
        startLive(section);
        while (!iterateLive(section, partBytes)) {
            // each round sends one part; the section says when it is done
        }
        endLive(section);
    }

    /**
     * Pushes the frames written so far to the underlying stream (and flushes it), for a live
     * migration that waits for its peer's answer between parts.
     */
    public void flush() throws IOException {
        out.flush();
    }

    /**
     * Writes EOF, the JSON trailer and the footer, and flushes. The underlying stream stays open.
     *
     * @throws IllegalStateException when a live section was started but not ended
     */
    public void finish() throws IOException {
        checkOpen();
        if (!live.isEmpty()) {
            LiveSection s = live.keySet().iterator().next();
            throw new IllegalStateException(describe(s.name(), s.instance()) + " was started but not ended");
        }
        finished = true;
        frame(FrameKind.EOF, new byte[0], 0);
        long trailerOffset = position;
        byte[] json = trailer.render(config);
        PayloadOutput t = new PayloadOutput();
        t.i32(json.length);
        t.write(json, 0, json.length);
        crc.reset();
        crc.update(json);
        t.i32((int) crc.getValue());
        t.i64(trailerOffset);
        t.write(StreamFormat.FOOTER_MAGIC, 0, StreamFormat.FOOTER_MAGIC.length);
        emit(t.array(), t.size());
        out.flush();
    }

    /**
     * The FULL payload of {@code section}: schema, values, needed subsections. Appends the
     * trailer's description of them (fields, subsections) to {@code json} unless it is null.
     */
    static <S extends Record> PayloadOutput sectionPayload(StateSection<S> section, StringBuilder json,
            String where) {
        PayloadOutput p = new PayloadOutput();
        try {
            RecordCodec<S> codec = RecordCodec.of(section.stateType());
            codec.schema().write(p);
            codec.encode(section.save(), p);
            List<RecordSchema> subSchemas = new ArrayList<>();
            List<String> subNames = writeSubsections(section.subsections(), p, where, subSchemas);
            if (json != null) {
                TrailerJson.field(json, "fields").append(codec.schema().json());
                TrailerJson.field(json, "subsections").append('[');
                for (int i = 0; i < subNames.size(); i++) {
                    json.append(i == 0 ? "{\"name\":" : ",{\"name\":");
                    JsonValues.appendCompact(json, subNames.get(i));
                    TrailerJson.field(json, "fields").append(subSchemas.get(i).json());
                    TrailerJson.close(json);
                }
                json.append(']');
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        checkSize(FrameKind.FULL, p.size(), where);
        if (p.values() > StreamLimits.VALUES_PER_SECTION) {
            throw new IllegalStateException(where + ": " + p.values() + " values exceed the limit of "
                    + StreamLimits.VALUES_PER_SECTION + " per section");
        }
        return p;
    }

    /** Writes the needed subsections; returns their names, and adds their schemas to {@code schemas}. */
    private static List<String> writeSubsections(List<Subsection<?>> subs, PayloadOutput p, String where,
            List<RecordSchema> schemas) {
        List<Subsection<?>> needed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Subsection<?> s : subs) {
            checkName(s.name(), "subsection name", where);
            if (!names.add(s.name())) {
                throw new IllegalStateException(where + ": subsection '" + s.name() + "' declared twice");
            }
            if (s.needed()) {
                needed.add(s);
            }
        }
        if (needed.size() > StreamLimits.SUBSECTIONS) {
            throw new IllegalStateException(where + ": more than " + StreamLimits.SUBSECTIONS + " subsections");
        }
        p.varint(needed.size());
        List<String> written = new ArrayList<>(needed.size());
        for (Subsection<?> s : needed) {
            schemas.add(writeSubsection(s, p));
            written.add(s.name());
        }
        return written;
    }

    private static <T extends Record> RecordSchema writeSubsection(Subsection<T> s, PayloadOutput p) {
        RecordCodec<T> codec = RecordCodec.of(s.stateType());
        p.text(s.name(), "subsection name");
        codec.schema().write(p);
        try {
            codec.encode(s.save(), p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("subsection '" + s.name() + "': " + e.getMessage(), e);
        }
        return codec.schema();
    }

    private void livePart(FrameKind kind, LiveEntry e, PayloadOutput p, LiveSection s) throws IOException {
        checkSize(kind, p.size(), describe(s.name(), s.instance()));
        e.bytes += p.size();
        e.parts++;
        frameHeader.reset();
        frameHeader.u8(kind.code());
        frameHeader.i32(e.id);
        frameHeader.i32(p.size());
        byte[] header = frameHeader.toByteArray();
        // The checksum is taken here, not on the helper thread: the caller has time to spare while
        // the write system calls, which bound the save, run.
        crc.reset();
        crc.update(header, 0, header.length);
        crc.update(p.array(), 0, p.size());
        byte[] sum = bigEndian((int) crc.getValue());
        awaitPendingWrite();
        position += header.length + p.size() + 4;
        if (!overlapped) {
            writeFrame(header, p.array(), p.size(), sum);
            return;
        }
        byte[] payload = p.array();
        int len = p.size();
        pendingWrite = Thread.ofPlatform().name("tern-saved-state-write").start(() -> {
            try {
                writeFrame(header, payload, len, sum);
            } catch (Throwable t) {
                writeFailure = t;
            }
        });
    }

    /**
     * The part buffer to fill next. With two buffers used in turn, the one handed out is never the
     * one a pending write still reads: {@link #livePart} waits for a write before starting the next.
     */
    private PartOutput nextPart() {
        PartOutput part = parts[nextPart];
        nextPart ^= 1;
        part.payload().reset();
        return part;
    }

    /** Header, payload and CRC of a live frame; runs on the helper thread when overlapped. */
    private void writeFrame(byte[] header, byte[] payload, int len, byte[] sum) throws IOException {
        out.write(header, 0, header.length);
        out.write(payload, 0, len);
        out.write(sum, 0, 4);
    }

    private static byte[] bigEndian(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** Waits for the live frame being written, and reports its failure. */
    private void awaitPendingWrite() throws IOException {
        Thread t = pendingWrite;
        if (t != null) {
            pendingWrite = null;
            boolean interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    // the frame must be complete before anything else is written; keep the interrupt for later
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable f = writeFailure;
        if (f != null) {
            writeFailure = null;
            throw f instanceof IOException io ? io : new IOException("writing a saved-state frame failed: " + f, f);
        }
    }

    private void openingFrame(FrameKind kind, int id, String name, String instance, int version, PayloadOutput p)
            throws IOException {
        openingHeader(frameHeader, kind, id, name, instance, version);
        finishFrame(p.array(), p.size());
    }

    /** Puts the header of a START or FULL frame, up to but not including the payload length, into {@code h}. */
    static void openingHeader(PayloadOutput h, FrameKind kind, int id, String name, String instance, int version) {
        h.reset();
        h.u8(kind.code());
        h.i32(id);
        h.text(name, "section name");
        h.text(instance, "section instance");
        h.i32(version);
    }

    private void frame(FrameKind kind, byte[] payload, int len) throws IOException {
        frameHeader.reset();
        frameHeader.u8(kind.code());
        finishFrame(payload, len);
    }

    /** Appends the length to the prepared frame header, then payload and the CRC over both. */
    private void finishFrame(byte[] payload, int len) throws IOException {
        frameHeader.i32(len);
        crc.reset();
        crc.update(frameHeader.array(), 0, frameHeader.size());
        crc.update(payload, 0, len);
        emit(frameHeader.array(), frameHeader.size());
        emit(payload, len);
        byte[] c = new byte[4];
        int v = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            c[i] = (byte) (v >>> (24 - 8 * i));
        }
        emit(c, 4);
    }

    private void emit(byte[] b, int len) throws IOException {
        awaitPendingWrite();
        out.write(b, 0, len);
        position += len;
    }

    private void claim(String name, String instance, String where) {
        checkName(name, "section name", where);
        checkName(instance, "instance", where);
        if (!keys.add(name + '\0' + instance)) {
            throw new IllegalStateException(where + " written twice");
        }
        if (keys.size() > StreamLimits.SECTIONS) {
            throw new IllegalStateException("more than " + StreamLimits.SECTIONS + " sections");
        }
    }

    private static void checkName(String s, String what, String where) {
        if (s == null || s.isEmpty() || PayloadOutput.utf8(s, what).length > StreamLimits.NAME_BYTES) {
            throw new IllegalArgumentException(where + ": " + what + " must be 1-" + StreamLimits.NAME_BYTES
                    + " bytes of UTF-8");
        }
    }

    private static void checkSize(FrameKind kind, int size, String where) {
        if (size > kind.maxPayload()) {
            throw new IllegalStateException(where + ": " + kind + " payload of " + size + " bytes exceeds the limit of "
                    + kind.maxPayload());
        }
    }

    private LiveEntry openLive(LiveSection section) {
        checkOpen();
        LiveEntry e = live.get(section);
        if (e == null) {
            throw new IllegalStateException(describe(section.name(), section.instance()) + " is not started");
        }
        return e;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("saved-state stream already finished");
        }
    }

    static String describe(String name, String instance) {
        return "section '" + name + "' instance " + instance;
    }
}
