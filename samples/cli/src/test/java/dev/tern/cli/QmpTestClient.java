package dev.tern.cli;

import dev.tern.kernel.json.JsonValues;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A minimal QMP client for the protocol tests: one line per message, replies and events told
 * apart by their members, events kept in arrival order.
 */
final class QmpTestClient implements AutoCloseable {

    private final java.nio.channels.ByteChannel channel;
    private final BufferedReader in;
    private final OutputStream out;
    private final List<Map<String, Object>> events = new ArrayList<>();
    final Map<String, Object> greeting;

    private QmpTestClient(java.nio.channels.ByteChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
        this.greeting = read();
    }

    /** Connects (unix or tcp) and reads the greeting. */
    static QmpTestClient connect(SocketAddress address) throws IOException {
        return new QmpTestClient(SocketChannel.open(address));
    }

    /** Speaks QMP over {@code channel} (e.g. a transport's connection: tls:) and reads the greeting. */
    static QmpTestClient over(java.nio.channels.ByteChannel channel) throws IOException {
        return new QmpTestClient(channel);
    }

    /** Connects and negotiates capabilities. */
    static QmpTestClient negotiated(SocketAddress address) throws IOException {
        var c = connect(address);
        c.execute("{\"execute\": \"qmp_capabilities\"}");
        return c;
    }

    /** Sends {@code json} and returns the reply, keeping events that arrive before it. */
    Map<String, Object> execute(String json) throws IOException {
        send(json + "\n");
        return reply();
    }

    /** The next reply (events before it are kept). */
    Map<String, Object> reply() throws IOException {
        while (true) {
            Map<String, Object> m = read();
            if (!m.containsKey("event")) {
                return m;
            }
            events.add(m);
        }
    }

    /** Writes raw text. */
    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes raw bytes. */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The first event named {@code name} not taken yet, reading on until it comes. */
    Map<String, Object> event(String name) throws IOException {
        while (true) {
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).get("event").equals(name)) {
                    return events.remove(i);
                }
            }
            Map<String, Object> m = read();
            assertNotNull(m.get("event"), "a reply without a command: " + m);
            events.add(m);
        }
    }

    /** Events received and not taken. */
    List<Map<String, Object>> pendingEvents() {
        return events;
    }

    /** The next line's message, or null at the end of the stream. */
    @SuppressWarnings("unchecked")
    Map<String, Object> readOrEnd() throws IOException {
        String line = in.readLine();
        return line == null ? null : (Map<String, Object>) JsonValues.parse(line);
    }

    private Map<String, Object> read() throws IOException {
        Map<String, Object> m = readOrEnd();
        if (m == null) {
            throw new IOException("the server closed the connection");
        }
        return m;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
