package dev.tern.kernel.monitor.qmp;

import dev.tern.kernel.json.JsonValues;
import dev.tern.kernel.monitor.MachineQmpCommands;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorEvents;
import dev.tern.kernel.monitor.QmpCommand;
import dev.tern.kernel.monitor.QmpError;
import dev.tern.kernel.monitor.QmpParam;
import dev.tern.kernel.monitor.Reply;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One QMP client connection: the greeting, capabilities negotiation, then commands read and run
 * one at a time on the calling (monitor) thread. Replies and events leave through a writer thread
 * and a bounded queue, so an event emitted on a vCPU or migration thread never waits for a slow
 * client; when the queue is full, events (never replies) are dropped and counted.
 */
final class QmpSession {

    /** Longest message accepted; longer ones are skipped and answered with an error. */
    static final int MAX_MESSAGE = 1 << 20;
    /** Replies and events waiting for the client. */
    static final int QUEUE = 1024;

    /** Tells the writer the session ended: compared by identity, so no message can equal it. */
    private static final String END = new String("end of session");
    /** qmp_capabilities' arguments; the session itself carries out the negotiation. */
    private static final QmpCommand NEGOTIATION = new QmpCommand("qmp_capabilities",
            List.of(QmpParam.optional("enable", QmpParam.Type.ARRAY)), args -> Reply.NONE);

    private final Monitor monitor;
    private final InputStream in;
    private final OutputStream out;
    private final BlockingQueue<String> outgoing = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong droppedEvents;
    private volatile boolean negotiated;

    QmpSession(Monitor monitor, InputStream in, OutputStream out, AtomicLong droppedEvents) {
        this.monitor = monitor;
        this.in = new BufferedInputStream(in);
        this.out = out;
        this.droppedEvents = droppedEvents;
    }

    /** Serves the client until its input ends; returns after the last reply and event are written. */
    void serve() throws IOException, InterruptedException {
        Thread writer = Thread.ofPlatform().daemon().name("tern-qmp-writer").start(this::writeLoop);
        try (AutoCloseable subscription = monitor.events().subscribe(this::event)) {
            outgoing.put(JsonValues.write(Map.of("QMP", greeting())));
            var framer = new JsonFramer(in, MAX_MESSAGE);
            while (true) {
                JsonFramer.Frame frame = framer.next();
                if (frame instanceof JsonFramer.End) {
                    break;
                }
                outgoing.put(JsonValues.write(answer(frame)));
            }
        } catch (Exception e) {
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new IllegalStateException(e);
        } finally {
            outgoing.put(END);
            writer.join();
        }
    }

    private static Map<String, Object> greeting() {
        var m = new LinkedHashMap<String, Object>();
        m.put("version", MachineQmpCommands.version());
        m.put("capabilities", List.of());
        return m;
    }

    /** The reply to one frame: a return or an error, with the id echoed when there was one. */
    private Map<String, Object> answer(JsonFramer.Frame frame) {
        QmpRequest request = null;
        try {
            Object message = switch (frame) {
                case JsonFramer.Message m -> JsonValues.parse(m.bytes());
                case JsonFramer.Oversized o -> throw QmpError.generic("JSON message of " + o.bytes()
                        + " bytes is longer than the limit of " + MAX_MESSAGE + " bytes");
                case JsonFramer.End e -> throw new IllegalStateException("no message");
            };
            if (message instanceof Map<?, ?> m && m.containsKey("id")) {
                request = new QmpRequest("", Map.of(), m.get("id"), true);
            }
            request = QmpRequest.of(message);
            return reply(request, "return", run(request));
        } catch (QmpError e) {
            return reply(request, "error", error(e.errorClass().name(), e.getMessage()));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            return reply(request, "error", error("GenericError", e.getMessage() == null ? e.toString() : e.getMessage()));
        } catch (Exception e) {
            return reply(request, "error", error("GenericError", e.toString()));
        }
    }

    private Object run(QmpRequest request) throws Exception {
        String name = request.execute();
        if (name.equals("qmp_capabilities")) {
            return capabilities(request);
        }
        if (!negotiated) {
            throw new QmpError(QmpError.ErrorClass.CommandNotFound,
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
        }
        QmpCommand command = monitor.qmpCommand(name);
        if (command == null) {
            throw new QmpError(QmpError.ErrorClass.CommandNotFound, "The command " + name + " has not been found");
        }
        return command.action().run(command.bind(request.arguments())).qmp();
    }

    private Object capabilities(QmpRequest request) {
        if (negotiated) {
            throw new QmpError(QmpError.ErrorClass.CommandNotFound,
                    "Capabilities negotiation is already complete, command ignored");
        }
        var args = NEGOTIATION.bind(request.arguments());
        for (Object cap : args.array("enable")) {
            if (!(cap instanceof String s)) {
                throw QmpError.generic("Invalid parameter type for 'enable[0]', expected: string");
            }
            throw QmpError.generic(s.equals("oob") ? "This monitor does not support Out-Of-Band (OOB)"
                    : "Parameter 'enable[0]' does not accept value '" + s + "'");
        }
        negotiated = true;
        return Map.of();
    }

    private static Map<String, Object> error(String errorClass, String desc) {
        var m = new LinkedHashMap<String, Object>();
        m.put("class", errorClass);
        m.put("desc", desc);
        return m;
    }

    private static Map<String, Object> reply(QmpRequest request, String kind, Object value) {
        var m = new LinkedHashMap<String, Object>();
        m.put(kind, value);
        if (request != null && request.hasId()) {
            m.put("id", request.id());
        }
        return m;
    }

    private void event(MonitorEvents.Event e) {
        if (!negotiated) {
            return;
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("event", e.name());
        if (!e.data().isEmpty()) {
            m.put("data", e.data());
        }
        long micros = e.at().getEpochSecond() * 1_000_000L + e.at().getNano() / 1000;
        var ts = new LinkedHashMap<String, Object>();
        ts.put("seconds", micros / 1_000_000L);
        ts.put("microseconds", micros % 1_000_000L);
        m.put("timestamp", ts);
        if (!outgoing.offer(JsonValues.write(m))) {
            droppedEvents.incrementAndGet();
        }
    }

    /** Writes until the end marker; after a write error it keeps draining so no producer ever blocks. */
    private void writeLoop() {
        boolean broken = false;
        while (true) {
            String line;
            try {
                line = outgoing.take();
            } catch (InterruptedException e) {
                return;
            }
            if (line == END) {
                break;
            }
            if (broken) {
                continue;
            }
            try {
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                if (outgoing.isEmpty()) {
                    out.flush();
                }
            } catch (IOException e) {
                broken = true; // the client went away: the reader sees its stream end and ends the session
            }
        }
        try {
            out.flush();
        } catch (IOException e) {
            // as above
        }
    }
}
