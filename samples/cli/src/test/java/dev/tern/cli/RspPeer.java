package dev.tern.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A hand-driven GDB remote protocol peer (ack mode) for tests and benchmarks that need raw packets. */
record RspPeer(InputStream in, OutputStream out) {

    void raw(String bytes) throws Exception {
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    int read() throws Exception {
        return in.read();
    }

    /** Sends a packet and checks the stub acknowledged it. */
    void send(String payload) throws Exception {
        int sum = 0;
        for (char c : payload.toCharArray()) {
            sum += c;
        }
        raw("$" + payload + "#" + String.format("%02x", sum & 0xff));
        assertEquals('+', read(), "the stub acknowledges '" + payload + "'");
    }

    /** The next reply packet's payload (acknowledged). */
    String reply() throws Exception {
        int b;
        while ((b = read()) != '$') {
            assertTrue(b >= 0, "the stub closed the connection");
        }
        var p = new StringBuilder();
        while ((b = read()) != '#') {
            p.append((char) b);
        }
        read();
        read();
        raw("+");
        return p.toString();
    }

    String request(String payload) throws Exception {
        send(payload);
        return reply();
    }
}
