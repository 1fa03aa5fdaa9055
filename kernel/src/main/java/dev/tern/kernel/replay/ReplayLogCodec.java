package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.replay.ReplayFilter.Delivery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The byte encoding of replay log payloads ({@code docs/formats/replay-log.md}): unsigned LEB128
 * varints, length-prefixed UTF-8 strings and byte strings, big-endian fixed-width CRCs. Decoding is
 * bounded everywhere: a length never reaches past its block, a count never exceeds what the
 * remaining bytes could hold.
 */
final class ReplayLogCodec {

    /** First eight bytes of every replay log. */
    static final byte[] MAGIC = "TERN-RR\n".getBytes(StandardCharsets.US_ASCII);
    /** Version of the format this code writes; it reads this one and every earlier one. */
    static final int FORMAT_VERSION = 5;
    /** The first version with embedded snapshots ('S' blocks) and a snapshot interval in the header. */
    static final int FIRST_WITH_SNAPSHOTS = 2;
    /** The first version with compact clock-warp entries ({@link WarpCoding}). */
    static final int FIRST_WITH_COMPACT_WARPS = 3;
    /** The first version with checkpoints coded against the previous one ({@link #ENTRY_CHECKPOINT_DELTA}). */
    static final int FIRST_WITH_DELTA_CHECKPOINTS = 4;
    /**
     * The first version whose block frames carry a CRC32C of their own. Without it a flipped bit in
     * a payload length that then reaches past the file's end reads exactly like a recording killed
     * mid-block: the reader would end the log there, silently, instead of refusing it.
     */
    static final int FIRST_WITH_FRAME_CHECK = 5;
    /** Block tags. */
    static final int BLOCK_HEADER = 'H';
    static final int BLOCK_ENTRIES = 'E';
    static final int BLOCK_SNAPSHOT = 'S';
    /** Bytes of a block frame that its payload CRC covers or is: tag (1), payload length (4), CRC32C (4). */
    static final int FRAME_FIELDS = 9;
    /** Largest payload of one block: bounds what a hostile length can make a reader allocate. */
    static final int MAX_BLOCK = 16 << 20;
    /**
     * Largest payload of a snapshot block. Its bytes are checked streaming and loaded from the
     * file when used, never held whole, so the bound only keeps the writer's buffer an array.
     */
    static final int MAX_SNAPSHOT_BLOCK = Integer.MAX_VALUE - 64;
    static final int MAX_STRING = 64 << 10;

    /** Entry tags inside an entries block. */
    static final int ENTRY_INPUT = 1;
    static final int ENTRY_CHECKPOINT = 2;
    static final int ENTRY_END = 3;
    /**
     * A checkpoint (version 4) coded against the log's previous fingerprint: only the RAM chunks and
     * sections whose CRC changed, as index gaps and CRCs.
     */
    static final int ENTRY_CHECKPOINT_DELTA = 4;
    /**
     * Compact clock warps (version 3): {@code 0x40 | round << 4 | step}, round 0..2 or 3 (a varint
     * follows), step a {@link WarpCoding} slot 0..3 or 4 (a varint follows); 0x40..0x7f.
     */
    static final int ENTRY_WARP = 0x40;
    /** The target of inputs the kernel itself receives: the only target of a compact warp. */
    static final String MACHINE_TARGET = "machine";

    /** Input kinds. */
    static final int KIND_CHAR = 1;
    static final int KIND_NET = 2;
    static final int KIND_BLOCK = 3;
    static final int KIND_HOST_CLOCK = 4;
    static final int KIND_CLOCK_WARP = 5;
    static final int KIND_HOST_REQUEST = 6;

    private ReplayLogCodec() {
    }

    /** Bytes of a block frame before its payload in a log of {@code version}: the fields, then (from 5) their CRC32C. */
    static int frameBytes(int version) {
        return version >= FIRST_WITH_FRAME_CHECK ? FRAME_FIELDS + 4 : FRAME_FIELDS;
    }

    /** The frame check of version 5 on: CRC32C of the frame's tag, length and payload CRC. */
    static int frameCheck(byte[] frame) {
        var crc = new CRC32C();
        crc.update(frame, 0, FRAME_FIELDS);
        return (int) crc.getValue();
    }

    /** The frame of a block of {@code version} whose payload is {@code payload[0, length)}. */
    static byte[] frame(int version, int tag, byte[] payload, int length) {
        var frame = ByteBuffer.allocate(frameBytes(version)).put((byte) tag).putInt(length);
        var crc = new CRC32C();
        crc.update(frame.array(), 0, 5);
        crc.update(payload, 0, length);
        frame.putInt((int) crc.getValue());
        if (version >= FIRST_WITH_FRAME_CHECK) {
            frame.putInt(frameCheck(frame.array()));
        }
        return frame.array();
    }

    /** The short name of an input kind, as {@code tern analyze} prints it. */
    static String kindName(ReplayEvent e) {
        return switch (e) {
            case ReplayEvent.CharInput c -> "char";
            case ReplayEvent.NetFrame n -> "net-frame";
            case ReplayEvent.BlockCompletion b -> "block-completion";
            case ReplayEvent.HostClock h -> "host-clock";
            case ReplayEvent.ClockWarp w -> "clock-warp";
            case ReplayEvent.HostRequest r -> "host-request";
        };
    }

    /** Growable payload output. */
    static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        /** Whether clock warps take the compact entry (version 3 and later). */
        final boolean compactWarps;
        /** What this block's compact warps are coded against. */
        final WarpCoding warps = new WarpCoding();
        /** Whether checkpoints may be coded as deltas (version 4 and later). */
        final boolean deltaCheckpoints;
        /**
         * The log's last fingerprint so far, which the next checkpoint is coded against; unlike the
         * warp coding it carries over from block to block ({@link #carryFrom}).
         */
        StateFingerprint fingerprintBase;

        /** Output for the current format version. */
        Out() {
            this(FORMAT_VERSION);
        }

        /** Output for a log of {@code formatVersion}. */
        Out(int formatVersion) {
            this.compactWarps = formatVersion >= FIRST_WITH_COMPACT_WARPS;
            this.deltaCheckpoints = formatVersion >= FIRST_WITH_DELTA_CHECKPOINTS;
        }

        /** Starts this block where {@code previous} ended: its fingerprint is the next checkpoint's base. */
        Out carryFrom(Out previous) {
            fingerprintBase = previous.fingerprintBase;
            return this;
        }

        void u8(int v) {
            bytes.write(v);
        }

        void varint(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("negative varint " + v);
            }
            while ((v & ~0x7fL) != 0) {
                bytes.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            bytes.write((int) v);
        }

        void i64(long v) {
            for (int s = 56; s >= 0; s -= 8) {
                bytes.write((int) (v >>> s));
            }
        }

        void i32(int v) {
            for (int s = 24; s >= 0; s -= 8) {
                bytes.write(v >>> s);
            }
        }

        void bytes(byte[] b) {
            varint(b.length);
            bytes.write(b, 0, b.length);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > MAX_STRING) {
                throw new IllegalArgumentException("string of " + b.length + " bytes is longer than " + MAX_STRING);
            }
            bytes(b);
        }

        int size() {
            return bytes.size();
        }
    }

    /** Bounded payload input; every error names the absolute file offset. */
    static final class In {
        private final byte[] buf;
        private final long base;
        private int pos;
        private final int end;
        /** What is being read, for error messages (e.g. "block 3 entry 17"). */
        String context = "";
        /** Whether compact warp entries may appear (version 3 and later). */
        boolean compactWarps = true;
        /** What this block's compact warps are coded against. */
        final WarpCoding warps = new WarpCoding();
        /** Whether delta checkpoints may appear (version 4 and later). */
        boolean deltaCheckpoints = true;
        /** The log's last fingerprint read so far (from earlier blocks too): a delta checkpoint's base. */
        StateFingerprint fingerprintBase;

        In(byte[] buf, int from, int to, long fileOffsetOfFrom) {
            this.buf = buf;
            this.pos = from;
            this.end = to;
            this.base = fileOffsetOfFrom - from;
        }

        long offset() {
            return base + pos;
        }

        boolean atEnd() {
            return pos >= end;
        }

        int remaining() {
            return end - pos;
        }

        ReplayLogException error(String what) {
            return new ReplayLogException(offset(), (context.isEmpty() ? "" : context + ": ") + what);
        }

        int u8() throws ReplayLogException {
            if (pos >= end) {
                throw error("unexpected end of the block");
            }
            return buf[pos++] & 0xff;
        }

        long varint() throws ReplayLogException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    if (v < 0) {
                        throw error("varint out of range");
                    }
                    return v;
                }
            }
            throw error("varint longer than 10 bytes");
        }

        int count(String what, int minBytesEach) throws ReplayLogException {
            long n = varint();
            if (n > remaining() / Math.max(1, minBytesEach)) {
                throw error(what + " count " + n + " exceeds what the remaining " + remaining() + " bytes can hold");
            }
            return (int) n;
        }

        long i64() throws ReplayLogException {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | u8();
            }
            return v;
        }

        int i32() throws ReplayLogException {
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v = (v << 8) | u8();
            }
            return v;
        }

        byte[] bytes() throws ReplayLogException {
            int n = count("byte string", 1);
            byte[] b = new byte[n];
            System.arraycopy(buf, pos, b, 0, n);
            pos += n;
            return b;
        }

        String string() throws ReplayLogException {
            long at = offset();
            byte[] b = bytes();
            if (b.length > MAX_STRING) {
                throw new ReplayLogException(at, context + ": string of " + b.length + " bytes is longer than " + MAX_STRING);
            }
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    static void writeHeader(Out out, ReplayLogHeader h) {
        out.string(h.spiVersion());
        out.string(h.configHash());
        out.string(h.configText());
        out.varint(h.bootArguments().size());
        h.bootArguments().forEach(out::string);
        out.varint(h.checkpointInterval());
        if (h.formatVersion() >= FIRST_WITH_SNAPSHOTS) {
            out.varint(h.snapshotInterval());
        }
    }

    static ReplayLogHeader readHeader(In in, int formatVersion) throws ReplayLogException {
        in.context = "header";
        String spi = in.string();
        String hash = in.string();
        String text = in.string();
        int n = in.count("boot argument", 1);
        var args = new ArrayList<String>();
        for (int i = 0; i < n; i++) {
            args.add(in.string());
        }
        long interval = in.varint();
        long snapshots = formatVersion >= FIRST_WITH_SNAPSHOTS ? in.varint() : 0;
        return new ReplayLogHeader(formatVersion, spi, hash, text, args, interval, snapshots);
    }

    static void writeEntry(Out out, LogEntry e) {
        if (!(out.compactWarps && e instanceof LogEntry.Input i && compactWarp(out, i.delivery()))) {
            writeFull(out, e);
        }
        out.warps.entry(e.instructions());
    }

    private static void writeFull(Out out, LogEntry e) {
        switch (e) {
            case LogEntry.Input i -> {
                out.u8(ENTRY_INPUT);
                writeDelivery(out, i.delivery());
            }
            case LogEntry.Checkpoint c -> {
                StateFingerprint base = out.fingerprintBase;
                if (out.deltaCheckpoints && base != null && c.state().sameShape(base)) {
                    out.u8(ENTRY_CHECKPOINT_DELTA);
                    out.varint(c.instructions());
                    writeChanges(out, base.ramChunks(), c.state().ramChunks());
                    writeChanges(out, base.sectionCrcs(), c.state().sectionCrcs());
                } else {
                    out.u8(ENTRY_CHECKPOINT);
                    out.varint(c.instructions());
                    writeFingerprint(out, c.state());
                }
                out.fingerprintBase = c.state();
            }
            case LogEntry.End end -> {
                out.u8(ENTRY_END);
                out.varint(end.instructions());
                out.string(end.reason());
                writeFingerprint(out, end.state());
                out.fingerprintBase = end.state();
            }
        }
    }

    static LogEntry readEntry(In in) throws ReplayLogException {
        LogEntry e = readTagged(in);
        in.warps.entry(e.instructions());
        return e;
    }

    private static LogEntry readTagged(In in) throws ReplayLogException {
        int tag = in.u8();
        if (in.compactWarps && (tag & 0xc0) == ENTRY_WARP) {
            return readCompactWarp(in, tag);
        }
        return switch (tag) {
            case ENTRY_INPUT -> new LogEntry.Input(readDelivery(in));
            case ENTRY_CHECKPOINT -> {
                long n = in.varint();
                StateFingerprint f = readFingerprint(in);
                in.fingerprintBase = f;
                yield new LogEntry.Checkpoint(n, f);
            }
            case ENTRY_CHECKPOINT_DELTA -> {
                if (!in.deltaCheckpoints) {
                    throw in.error("unknown entry tag " + tag + " (delta checkpoints came with format version "
                            + FIRST_WITH_DELTA_CHECKPOINTS + ")");
                }
                yield readDeltaCheckpoint(in);
            }
            case ENTRY_END -> {
                long n = in.varint();
                String reason = in.string();
                StateFingerprint f = readFingerprint(in);
                in.fingerprintBase = f;
                yield new LogEntry.End(n, reason, f);
            }
            default -> throw in.error("unknown entry tag " + tag);
        };
    }

    /**
     * The CRCs of {@code now} that differ from {@code base} (same length): {@code varint k}, then per
     * change {@code varint gap, u32 crc} — its index is the previous change's index + 1 + gap (the
     * first change's index is its gap).
     */
    private static void writeChanges(Out out, int[] base, int[] now) {
        int changed = 0;
        for (int i = 0; i < now.length; i++) {
            if (now[i] != base[i]) {
                changed++;
            }
        }
        out.varint(changed);
        int next = 0;
        for (int i = 0; i < now.length; i++) {
            if (now[i] != base[i]) {
                out.varint(i - next);
                out.i32(now[i]);
                next = i + 1;
            }
        }
    }

    private static LogEntry readDeltaCheckpoint(In in) throws ReplayLogException {
        long instructions = in.varint();
        StateFingerprint base = in.fingerprintBase;
        if (base == null) {
            throw in.error("a delta checkpoint, but no checkpoint before it in the log to apply it to");
        }
        int[] ram = readChanges(in, base.ramChunks(), "RAM chunk");
        int[] sections = readChanges(in, base.sectionCrcs(), "section");
        StateFingerprint f = new StateFingerprint(ram, base.sections(), sections);
        in.fingerprintBase = f;
        return new LogEntry.Checkpoint(instructions, f);
    }

    private static int[] readChanges(In in, int[] base, String what) throws ReplayLogException {
        int changed = in.count("changed " + what, 5);
        if (changed > base.length) {
            throw in.error(changed + " changed " + what + " CRCs, but the previous checkpoint has only " + base.length);
        }
        int[] now = base.clone();
        int next = 0;
        for (int k = 0; k < changed; k++) {
            long gap = in.varint();
            if (gap >= base.length - next) {
                throw in.error("changed " + what + " " + k + " of " + changed + " lies at index " + next + " + " + gap
                        + ", past the previous checkpoint's " + base.length);
            }
            int i = next + (int) gap;
            now[i] = in.i32();
            next = i + 1;
        }
        return now;
    }

    /**
     * Writes {@code d} as a compact warp if it is one the coding can express: a clock warp for the
     * machine that does not go back from the block's previous compact warp. Returns false otherwise.
     */
    private static boolean compactWarp(Out out, Delivery d) {
        WarpCoding c = out.warps;
        if (!(d.event() instanceof ReplayEvent.ClockWarp(long nanos)) || !MACHINE_TARGET.equals(d.target())
                || nanos < c.lastWarp() || d.instructions() < c.lastInstructions()) {
            return false;
        }
        long step = nanos - c.lastWarp();
        int slot = c.slotOf(step);
        int round = Math.min(d.haltRound(), WarpCoding.EXPLICIT_ROUND);
        out.u8(ENTRY_WARP | round << 4 | (slot >= 0 ? slot : WarpCoding.EXPLICIT_STEP));
        out.varint(d.instructions() - c.lastInstructions());
        if (round == WarpCoding.EXPLICIT_ROUND) {
            out.varint(d.haltRound());
        }
        if (slot < 0) {
            out.varint(step);
        }
        c.warp(nanos, step);
        return true;
    }

    private static LogEntry readCompactWarp(In in, int tag) throws ReplayLogException {
        WarpCoding c = in.warps;
        int slot = tag & 0x0f;
        if (slot > WarpCoding.EXPLICIT_STEP) {
            throw in.error("unknown entry tag " + tag + " (a compact warp with step slot " + slot + ")");
        }
        long instructions = add(in, c.lastInstructions(), in.varint(), "instruction count");
        long round = (tag >> 4 & 3) == WarpCoding.EXPLICIT_ROUND ? in.varint() : tag >> 4 & 3;
        if (round > Integer.MAX_VALUE) {
            throw in.error("halt round " + round + " out of range");
        }
        long step;
        if (slot == WarpCoding.EXPLICIT_STEP) {
            step = in.varint();
        } else if (slot < c.known()) {
            step = c.step(slot);
        } else {
            throw in.error("a compact warp names step slot " + slot + ", but the block has named only " + c.known()
                    + " steps so far");
        }
        long nanos = add(in, c.lastWarp(), step, "warp target");
        c.warp(nanos, step);
        return new LogEntry.Input(new Delivery(instructions, (int) round, MACHINE_TARGET, new ReplayEvent.ClockWarp(nanos)));
    }

    private static long add(In in, long base, long delta, String what) throws ReplayLogException {
        try {
            return Math.addExact(base, delta);
        } catch (ArithmeticException e) {
            throw in.error(what + " " + base + " + " + delta + " overflows");
        }
    }

    private static void writeDelivery(Out out, Delivery d) {
        out.varint(d.instructions());
        out.varint(d.haltRound());
        out.string(d.target());
        switch (d.event()) {
            case ReplayEvent.CharInput c -> {
                out.u8(KIND_CHAR);
                out.string(c.backend());
                out.bytes(c.data());
            }
            case ReplayEvent.NetFrame f -> {
                out.u8(KIND_NET);
                out.string(f.backend());
                out.bytes(f.frame());
            }
            case ReplayEvent.BlockCompletion b -> {
                out.u8(KIND_BLOCK);
                out.string(b.backend());
                out.i64(b.requestId());
                out.i32(b.status());
            }
            case ReplayEvent.HostClock h -> {
                out.u8(KIND_HOST_CLOCK);
                out.i64(h.epochNanos());
            }
            case ReplayEvent.ClockWarp w -> {
                out.u8(KIND_CLOCK_WARP);
                out.i64(w.nanos());
            }
            case ReplayEvent.HostRequest r -> {
                out.u8(KIND_HOST_REQUEST);
                out.u8(r.kind().ordinal());
                out.i32(r.status());
            }
        }
    }

    private static Delivery readDelivery(In in) throws ReplayLogException {
        long instructions = in.varint();
        long round = in.varint();
        if (round > Integer.MAX_VALUE) {
            throw in.error("halt round " + round + " out of range");
        }
        String target = in.string();
        int kind = in.u8();
        ReplayEvent event = switch (kind) {
            case KIND_CHAR -> new ReplayEvent.CharInput(in.string(), in.bytes());
            case KIND_NET -> new ReplayEvent.NetFrame(in.string(), in.bytes());
            case KIND_BLOCK -> new ReplayEvent.BlockCompletion(in.string(), in.i64(), in.i32());
            case KIND_HOST_CLOCK -> new ReplayEvent.HostClock(in.i64());
            case KIND_CLOCK_WARP -> new ReplayEvent.ClockWarp(in.i64());
            case KIND_HOST_REQUEST -> {
                int k = in.u8();
                var kinds = ReplayEvent.HostRequest.Kind.values();
                if (k >= kinds.length) {
                    throw in.error("unknown host request kind " + k);
                }
                yield new ReplayEvent.HostRequest(kinds[k], in.i32());
            }
            default -> throw in.error("unknown input kind " + kind);
        };
        return new Delivery(instructions, (int) round, target, event);
    }

    private static void writeFingerprint(Out out, StateFingerprint f) {
        out.varint(f.ramChunks().length);
        for (int c : f.ramChunks()) {
            out.i32(c);
        }
        out.varint(f.sections().size());
        for (int i = 0; i < f.sections().size(); i++) {
            out.string(f.sections().get(i));
            out.i32(f.sectionCrcs()[i]);
        }
    }

    private static StateFingerprint readFingerprint(In in) throws ReplayLogException {
        int chunks = in.count("RAM chunk", 4);
        int[] ram = new int[chunks];
        for (int i = 0; i < chunks; i++) {
            ram[i] = in.i32();
        }
        int n = in.count("section", 5);
        var names = new ArrayList<String>();
        int[] crcs = new int[n];
        for (int i = 0; i < n; i++) {
            names.add(in.string());
            crcs[i] = in.i32();
        }
        return new StateFingerprint(ram, List.copyOf(names), crcs);
    }
}
