package dev.tern.kernel.monitor.qmp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream into JSON messages without parsing them, as QMP's stream parser does:
 * a message is a balanced {@code {...}} or {@code [...]} (brackets inside strings do not count),
 * or a bare token at the top level. Only the message being read is held, and never more than
 * {@link #maxBytes} of it: a longer one is skipped to its end and reported as {@link Oversized},
 * so the connection survives it.
 */
public final class JsonFramer {

    /** What {@link #next()} found. */
    public sealed interface Frame {
    }

    /** A complete message (not yet parsed). */
    public record Message(byte[] bytes) implements Frame {
    }

    /** A message longer than the limit, skipped. */
    public record Oversized(long bytes) implements Frame {
    }

    /** The stream ended (a partial message is dropped). */
    public record End() implements Frame {
    }

    private final InputStream in;
    private final int maxBytes;

    /**
     * @param in the stream, read byte by byte (give it a buffered one)
     * @param maxBytes the longest message kept
     */
    public JsonFramer(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /** Reads up to the end of the next message. */
    public Frame next() throws IOException {
        var buf = new ByteArrayOutputStream();
        long length = 0;
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        boolean bareToken = false;
        int c;
        while ((c = in.read()) != -1) {
            if (depth == 0 && !bareToken && !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
                continue;
            }
            length++;
            if (length <= maxBytes) {
                buf.write(c);
            }
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                    if (depth == 0) {
                        return done(buf, length);
                    }
                }
                continue;
            }
            if (bareToken) {
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    return done(buf, length); // a bare top-level token ends at white space
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '{', '[' -> depth++;
                case '}', ']' -> {
                    depth--;
                    if (depth <= 0) {
                        return done(buf, length);
                    }
                }
                default -> {
                    if (depth == 0) {
                        bareToken = true;
                    }
                }
            }
        }
        return new End();
    }

    private Frame done(ByteArrayOutputStream buf, long length) {
        return length > maxBytes ? new Oversized(length) : new Message(buf.toByteArray());
    }
}
