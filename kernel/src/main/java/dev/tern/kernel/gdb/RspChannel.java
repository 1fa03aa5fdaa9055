package dev.tern.kernel.gdb;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The framing layer of the GDB remote serial protocol: {@code $payload#ck} packets with a modulo-256
 * checksum, {@code +}/{@code -} acknowledgements (until {@code QStartNoAckMode}), {@code }}-escapes
 * and the out-of-band interrupt byte 0x03. Incoming data is hostile: a packet longer than
 * {@link #MAX_PAYLOAD} bytes, a bad checksum or a non-hex checksum is reported as {@link
 * Incoming.Bad} (and NAKed in ack mode) without ending the connection.
 *
 * <p>Not thread-safe for reading; {@link #send} may be called from one other thread than the reader.
 */
public final class RspChannel {

    /** The largest payload accepted (and announced as {@code PacketSize}). */
    public static final int MAX_PAYLOAD = 0x4000;
    /** How often a packet is sent again after a NAK before the peer is given up on. */
    private static final int MAX_RESENDS = 5;

    /** What arrived from the peer. */
    public sealed interface Incoming {
        /** A packet with a good checksum; {@code payload} is unescaped. */
        record Packet(byte[] payload) implements Incoming {
            /** The payload as text (ISO-8859-1, one char per byte). */
            public String text() {
                return new String(payload, StandardCharsets.ISO_8859_1);
            }
        }

        /** The interrupt byte (GDB's Ctrl-C). */
        record Interrupt() implements Incoming { }

        /** A packet that could not be taken, and why; {@code nakked}: the peer was sent a NAK (it will send again). */
        record Bad(String reason, boolean nakked) implements Incoming { }
    }

    private final InputStream in;
    private final OutputStream out;
    private volatile boolean acks = true;
    private byte[] lastSent;
    private int resends;

    public RspChannel(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** Stops sending and expecting acknowledgements (after replying OK to {@code QStartNoAckMode}). */
    public void disableAcks() {
        acks = false;
    }

    /**
     * Reads until a packet, an interrupt or a bad packet arrives; acknowledgements are consumed here
     * (a NAK sends the last packet again).
     *
     * @throws EOFException when the peer closed the connection
     */
    public Incoming next() throws IOException {
        while (true) {
            int b = read();
            switch (b) {
                case 0x03 -> {
                    return new Incoming.Interrupt();
                }
                case '+' -> resends = 0;
                case '-' -> resend();
                case '$' -> {
                    return packet();
                }
                default -> { } // noise between packets is ignored, as GDB itself does
            }
        }
    }

    private Incoming packet() throws IOException {
        byte[] buf = new byte[256];
        int n = 0;
        int sum = 0;
        boolean tooLong = false;
        int b;
        while ((b = read()) != '#') {
            sum += b;
            if (n == MAX_PAYLOAD) {
                tooLong = true;
                continue;
            }
            if (n == buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.min(MAX_PAYLOAD, buf.length * 2));
            }
            buf[n++] = (byte) b;
        }
        int hi = Character.digit(read(), 16);
        int lo = Character.digit(read(), 16);
        if (tooLong) {
            ack('+');
            return new Incoming.Bad("packet longer than " + MAX_PAYLOAD + " bytes (the announced PacketSize)", false);
        }
        if (hi < 0 || lo < 0) {
            ack('-');
            return new Incoming.Bad("packet checksum is not two hex digits", acks);
        }
        if (((hi << 4) | lo) != (sum & 0xff)) {
            ack('-');
            return new Incoming.Bad(String.format("packet checksum %02x, computed %02x", (hi << 4) | lo, sum & 0xff), acks);
        }
        ack('+');
        return unescape(buf, n);
    }

    private static Incoming unescape(byte[] buf, int n) {
        byte[] p = new byte[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == '}') {
                if (++i == n) {
                    return new Incoming.Bad("packet ends inside an escape ('}' is its last byte)", false);
                }
                p[k++] = (byte) (buf[i] ^ 0x20);
            } else {
                p[k++] = buf[i];
            }
        }
        return new Incoming.Packet(java.util.Arrays.copyOf(p, k));
    }

    private int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the debugger closed the connection");
        }
        return b;
    }

    private void ack(char c) throws IOException {
        if (acks) {
            synchronized (out) {
                out.write(c);
                out.flush();
            }
        }
    }

    private void resend() throws IOException {
        byte[] last = lastSent;
        if (!acks || last == null) {
            return;
        }
        if (++resends > MAX_RESENDS) {
            throw new IOException("the debugger refused the same packet " + MAX_RESENDS + " times");
        }
        synchronized (out) {
            out.write(last);
            out.flush();
        }
    }

    /** Sends a packet with {@code payload} (text of single-byte chars), escaping what must be escaped. */
    public void send(String payload) throws IOException {
        var frame = new java.io.ByteArrayOutputStream(payload.length() + 8);
        frame.write('$');
        int sum = 0;
        for (int i = 0; i < payload.length(); i++) {
            int c = payload.charAt(i) & 0xff;
            if (c == '$' || c == '#' || c == '}' || c == '*') {
                frame.write('}');
                c ^= 0x20;
                sum += '}';
            }
            frame.write(c);
            sum += c;
        }
        frame.write('#');
        frame.writeBytes(String.format("%02x", sum & 0xff).getBytes(StandardCharsets.US_ASCII));
        byte[] bytes = frame.toByteArray();
        synchronized (out) {
            lastSent = bytes;
            resends = 0;
            out.write(bytes);
            out.flush();
        }
    }
}
