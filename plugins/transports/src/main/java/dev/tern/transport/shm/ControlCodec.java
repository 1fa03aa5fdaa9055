package dev.tern.transport.shm;

import dev.tern.transport.shm.ControlMessage.ChunksDone;
import dev.tern.transport.shm.ControlMessage.Complete;
import dev.tern.transport.shm.ControlMessage.Data;
import dev.tern.transport.shm.ControlMessage.Hello;
import dev.tern.transport.shm.ControlMessage.Range;
import dev.tern.transport.shm.ControlMessage.RegisterError;
import dev.tern.transport.shm.ControlMessage.RegisterRequest;
import dev.tern.transport.shm.ControlMessage.RegisterResult;
import dev.tern.transport.shm.ControlMessage.ZeroRanges;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns control messages into frames and back. A frame is an 8-byte header (payload length as an
 * unsigned 32-bit big-endian number, message type as 16 bits, 16 zero bits) and the payload.
 * Decoding trusts nothing: lengths, counts, names and ranges are all checked, and a frame that is
 * not exactly what its type requires is refused with a {@link ProtocolException} saying why.
 */
final class ControlCodec {

    static final int HEADER = 8;
    /** The largest payload accepted; QEMU's RDMA control buffer is the same 512 KiB. */
    static final int MAX_PAYLOAD = 512 * 1024;
    /** Stream bytes per data frame. */
    static final int MAX_DATA = 256 * 1024;
    /** Ranges per zero announcement, QEMU's limit of commands per control message. */
    static final int MAX_RANGES = 4096;
    static final long MAGIC = 0x5445524e53484d31L; // "TERNSHM1"
    static final int VERSION = 1;
    static final Pattern REGION_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern FILE_NAME = Pattern.compile("tern-shm-[0-9]+-[0-9]+-[0-9a-f]{16}");
    private static final int MAX_TEXT = 1024;

    private static final int HELLO = 1;
    static final int DATA = 2;
    private static final int REGISTER_REQUEST = 3;
    private static final int REGISTER_RESULT = 4;
    private static final int REGISTER_ERROR = 5;
    private static final int ZERO_RANGES = 6;
    private static final int CHUNKS_DONE = 7;
    private static final int COMPLETE = 8;

    private ControlCodec() {
    }

    /** The frame carrying {@code m}, ready to write. */
    static ByteBuffer encode(ControlMessage m) {
        return switch (m) {
            case Hello h -> frame(HELLO, 12).putLong(h.magic()).putInt(h.version()).flip();
            case Data d -> frame(DATA, d.bytes().length).put(d.bytes()).flip();
            case RegisterRequest r -> {
                byte[] name = r.name().getBytes(StandardCharsets.UTF_8);
                yield frame(REGISTER_REQUEST, 10 + name.length).putLong(r.size()).putShort((short) name.length)
                        .put(name).flip();
            }
            case RegisterResult r -> {
                byte[] file = r.fileName().getBytes(StandardCharsets.UTF_8);
                yield frame(REGISTER_RESULT, 14 + file.length).putInt(r.regionId()).putLong(r.size())
                        .putShort((short) file.length).put(file).flip();
            }
            case RegisterError e -> {
                byte[] text = truncate(e.reason());
                yield frame(REGISTER_ERROR, text.length).put(text).flip();
            }
            case ZeroRanges z -> {
                ByteBuffer b = frame(ZERO_RANGES, 8 + 16 * z.ranges().size()).putInt(z.regionId()).putInt(z.ranges().size());
                for (Range r : z.ranges()) {
                    b.putLong(r.offset()).putLong(r.length());
                }
                yield b.flip();
            }
            case ChunksDone c -> frame(CHUNKS_DONE, 16).putLong(c.bytesWritten()).putLong(c.bytesZeroFilled()).flip();
            case Complete c -> frame(COMPLETE, 0).flip();
        };
    }

    /**
     * Reads a header and returns the payload length it announces.
     *
     * @throws ProtocolException for a length above {@link #MAX_PAYLOAD} or non-zero reserved bits
     */
    static int payloadLength(ByteBuffer header) throws ProtocolException {
        long length = Integer.toUnsignedLong(header.getInt(0));
        if (length > MAX_PAYLOAD) {
            throw new ProtocolException("control message of " + length + " bytes exceeds the limit of " + MAX_PAYLOAD);
        }
        if (header.getShort(6) != 0) {
            throw new ProtocolException("control message header has reserved bits set: 0x"
                    + Integer.toHexString(header.getShort(6) & 0xffff));
        }
        return (int) length;
    }

    /** The message type of a header. */
    static int type(ByteBuffer header) {
        return header.getShort(4) & 0xffff;
    }

    /**
     * Decodes one payload of the given type.
     *
     * @throws ProtocolException naming the type and what is wrong
     */
    static ControlMessage decode(int type, ByteBuffer payload) throws ProtocolException {
        try {
            ControlMessage m = switch (type) {
                case HELLO -> new Hello(payload.getLong(), payload.getInt());
                case DATA -> {
                    if (!payload.hasRemaining() || payload.remaining() > MAX_DATA) {
                        throw new ProtocolException("data message of " + payload.remaining() + " bytes (1.." + MAX_DATA + ")");
                    }
                    byte[] bytes = new byte[payload.remaining()];
                    payload.get(bytes);
                    yield new Data(bytes);
                }
                case REGISTER_REQUEST -> {
                    long size = payload.getLong();
                    String name = text(payload, payload.getShort() & 0xffff, "region name");
                    requireName(name);
                    if (size <= 0) {
                        throw new ProtocolException("registration of region '" + name + "' with size " + size);
                    }
                    yield new RegisterRequest(name, size);
                }
                case REGISTER_RESULT -> {
                    int id = payload.getInt();
                    long size = payload.getLong();
                    String file = text(payload, payload.getShort() & 0xffff, "region file name");
                    if (id < 0 || size <= 0 || !FILE_NAME.matcher(file).matches()) {
                        throw new ProtocolException("registration result id " + id + ", size " + size
                                + ", file '" + file + "' is not a valid region");
                    }
                    yield new RegisterResult(id, size, file);
                }
                case REGISTER_ERROR -> new RegisterError(text(payload, payload.remaining(), "registration error"));
                case ZERO_RANGES -> zeroRanges(payload);
                case CHUNKS_DONE -> {
                    long written = payload.getLong();
                    long zero = payload.getLong();
                    if (written < 0 || zero < 0) {
                        throw new ProtocolException("chunks-done counts " + written + "/" + zero + " are negative");
                    }
                    yield new ChunksDone(written, zero);
                }
                case COMPLETE -> new Complete();
                default -> throw new ProtocolException("unknown control message type " + type);
            };
            if (payload.hasRemaining()) {
                throw new ProtocolException("control message type " + type + " has " + payload.remaining()
                        + " bytes too many");
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("control message type " + type + " is truncated", e);
        }
    }

    static void requireName(String name) throws ProtocolException {
        if (!REGION_NAME.matcher(name).matches()) {
            throw new ProtocolException("region name '" + name + "' is not 1..64 of [A-Za-z0-9._-]");
        }
    }

    private static ZeroRanges zeroRanges(ByteBuffer payload) throws ProtocolException {
        int id = payload.getInt();
        int count = payload.getInt();
        if (count < 1 || count > MAX_RANGES) {
            throw new ProtocolException("zero announcement with " + Integer.toUnsignedString(count)
                    + " ranges (1.." + MAX_RANGES + ")");
        }
        if (payload.remaining() != 16L * count) {
            throw new ProtocolException("zero announcement of " + count + " ranges carries " + payload.remaining() + " bytes");
        }
        List<Range> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long offset = payload.getLong();
            long length = payload.getLong();
            if (offset < 0 || length <= 0) {
                throw new ProtocolException("zero range offset " + offset + " length " + length + " is invalid");
            }
            ranges.add(new Range(offset, length));
        }
        return new ZeroRanges(id, ranges);
    }

    private static String text(ByteBuffer payload, int length, String what) throws ProtocolException {
        if (length > MAX_TEXT || length > payload.remaining()) {
            throw new ProtocolException(what + " of " + length + " bytes does not fit the message");
        }
        ByteBuffer slice = payload.slice(payload.position(), length);
        payload.position(payload.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(what + " is not valid UTF-8", e);
        }
    }

    private static byte[] truncate(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_TEXT) {
            return b;
        }
        String shorter = reason;
        while (shorter.getBytes(StandardCharsets.UTF_8).length > MAX_TEXT) {
            shorter = shorter.substring(0, shorter.length() / 2);
        }
        return shorter.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuffer frame(int type, int payload) {
        if (payload > MAX_PAYLOAD) {
            throw new IllegalArgumentException("control message payload of " + payload + " bytes exceeds " + MAX_PAYLOAD);
        }
        return ByteBuffer.allocate(HEADER + payload).putInt(payload).putShort((short) type).putShort((short) 0);
    }
}
